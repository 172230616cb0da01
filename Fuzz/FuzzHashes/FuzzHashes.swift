import FacepipeCore

/// libFuzzer target: the four image hashes and their text forms. Any input must give a hash or
/// a thrown error (never a trap), hashing is deterministic, and every hash survives its hex
/// round trip. The first bytes choose the PDQ input's size, so odd shapes are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHashes(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Fixed-size hashes: the exact size hashes, any other size is refused with an error.
    for (count, hash) in [
        (PerceptualHash.averageHashPixelCount, { (p: [UInt8]) throws -> UInt64 in try PerceptualHash.aHash(p) }),
        (PerceptualHash.differenceHashWidth * PerceptualHash.differenceHashHeight, { try PerceptualHash.dHash($0) }),
        (PerceptualHash.dctHashSize * PerceptualHash.dctHashSize, { try PerceptualHash.pHash($0) }),
    ] {
        _ = try? hash(bytes)
        guard bytes.count >= count else { continue }
        let pixels = Array(bytes.prefix(count))
        guard let first = try? hash(pixels), let second = try? hash(pixels) else { fatalError("a \(count)-pixel input was refused") }
        precondition(first == second, "hashing is not deterministic")
        precondition(PerceptualHash.parseHex(PerceptualHash.hex(first)) == first, "hex round trip")
    }
    // PDQ on a width × height grey image taken from the input.
    if bytes.count >= 2 {
        let width = Int(bytes[0] % 80), height = Int(bytes[1] % 80)
        let pixels = Array(bytes.dropFirst(2).prefix(width * height))
        if let result = try? PerceptualHash.pdq(luma: pixels, width: width, height: height) {
            precondition(pixels.count == width * height, "PDQ hashed an input of the wrong size")
            precondition((0...100).contains(result.quality), "PDQ quality \(result.quality)")
            precondition(PDQHash(hex: result.hash.hex) == result.hash, "PDQ hex round trip")
        }
    }
    // Hashes arrive as text in API queries: parsing anything must be safe.
    let text = String(decoding: bytes, as: UTF8.self)
    if let parsed = PerceptualHash.parseHex(text) { precondition(PerceptualHash.parseHex(PerceptualHash.hex(parsed)) == parsed) }
    if let parsed = PDQHash(hex: text) { precondition(PDQHash(hex: parsed.hex) == parsed) }
    return 0
}
