import CVips

extension VipsImage {
    /// A copy of this image with every metadata field removed: EXIF (and the
    /// parsed `exif-ifd*` GPS/camera fields), XMP, IPTC, ICC profile,
    /// orientation, PNG text chunks, GIF comments, page layout, loader notes —
    /// everything that is not one of libvips' built-in fields (width, bands,
    /// interpretation, resolution, …). Debian's libvips 8.14 ignores `strip`
    /// when saving WebP, so the fields have to be gone before any save.
    func withoutMetadata() throws -> VipsImage {
        let copy = try copy()
        for name in copy.fieldNames where !Self.builtInFields.contains(name) {
            cvips_remove(copy.pointer, name)
        }
        return copy
    }

    /// libvips' built-in header fields (not removable, carry no metadata).
    static let builtInFields: Set<String> = [
        "width", "height", "bands", "format", "coding", "interpretation",
        "xoffset", "yoffset", "xres", "yres", "filename",
    ]

    /// Metadata field names (everything but the built-in ones).
    var metadataFieldNames: [String] {
        fieldNames.filter { !Self.builtInFields.contains($0) }
    }
}
