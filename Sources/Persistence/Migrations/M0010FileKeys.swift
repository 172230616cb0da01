/// The reconciliation sweep asks "is this key anyone's?" for every stored file: by key, not by
/// image.
let m0010FileKeys = Migration(
    version: 10, name: "file_keys",
    statements: [
        "CREATE INDEX image_files_key ON image_files (key)",
        "CREATE INDEX documents_original_key ON documents (original_key)",
    ])
