import CVips

/// Owns one reference to a libvips `VipsImage` (released in deinit).
///
/// `@unchecked Sendable`: libvips images are immutable once built and libvips
/// evaluates pipelines from any thread. The only mutation, removing metadata
/// fields, happens on a fresh private copy before the image is shared.
final class VipsImage: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        cvips_unref(pointer)
    }

    var header: cvips_header {
        var header = cvips_header()
        cvips_header_get(pointer, &header)
        return header
    }

    func string(_ name: String) -> String? {
        cvips_get_string(pointer, name).map { String(cString: $0) }
    }

    /// Names of all fields: the built-in ones (width, bands, …) and metadata.
    var fieldNames: [String] {
        guard let fields = cvips_fields(pointer) else { return [] }
        defer { cvips_strfreev(fields) }
        var names: [String] = []
        var index = 0
        while let name = fields[index] {
            names.append(String(cString: name))
            index += 1
        }
        return names
    }
}
