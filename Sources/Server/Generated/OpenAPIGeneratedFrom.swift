// Written by scripts/generate-openapi.sh (make openapi), do not modify.
/// What the files beside this one were generated from (SHA-256 of each input file).
enum OpenAPIGeneratedFrom {
    static let openAPIDocumentSHA256 = "4cdf6b4987141a9e4b6700b984599fb1033fab1708327e2fc5f5316a74e14fb2"
    static let generatorConfigSHA256 = "182b57f160b787e49dcdc598c4b32135f5eba931582f93f18f8fbdbb25d7bc96"
}
