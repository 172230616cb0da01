import Foundation

/// The options of one anonymized copy, with deface's names (PyPI deface 1.5.0): `replacewith`,
/// `boxes`, `maskScale` (`--mask-scale`), `threshold` (`--thresh`), `scale` (`--scale WxH`) and
/// `mosaicSize` (`--mosaicsize`). A request names only what it changes; the rest comes from the
/// service default (`ANONYMIZE_DEFAULT`, itself seed 002's "boxes + solid" unless configured).
///
/// Two requests with the same settings are the same variant: `digest` names it in the job's
/// dedupe key and in the output's media key, so asking twice returns the first job and file.
public struct AnonymizeSettings: Sendable, Hashable, Codable {
    public enum Replacement: String, Sendable, Hashable, Codable, CaseIterable {
        case blur, solid, mosaic, none
    }

    public var replacewith: Replacement
    /// Rectangular masks (deface `--boxes`) instead of the ellipse inside each box.
    public var boxes: Bool
    /// deface's `scale_bb`: each side of a face box moves out by (maskScale − 1) × its size.
    public var maskScale: Double
    /// Detector score a face needs to be masked (deface's default 0.2: masking a non-face costs
    /// little, missing a face costs much).
    public var threshold: Double
    /// `WxH`: detection runs with the image shrunk to fit this box (never enlarged); nil: the
    /// service's detection size.
    public var scale: String?
    /// Tile size for `mosaic`, in output pixels.
    public var mosaicSize: Int

    /// deface's own defaults: blurred ellipses, mask scale 1.3, threshold 0.2.
    public static let deface = AnonymizeSettings(replacewith: .blur, boxes: false, maskScale: 1.3, threshold: 0.2,
                                                 scale: nil, mosaicSize: 20)
    /// Seed 002's job: `deface --boxes --replacewith solid`.
    public static let seed002 = AnonymizeSettings(replacewith: .solid, boxes: true, maskScale: 1.3, threshold: 0.2,
                                                  scale: nil, mosaicSize: 20)

    public init(replacewith: Replacement, boxes: Bool, maskScale: Double, threshold: Double, scale: String?,
                mosaicSize: Int) {
        self.replacewith = replacewith
        self.boxes = boxes
        self.maskScale = maskScale
        self.threshold = threshold
        self.scale = scale
        self.mosaicSize = mosaicSize
    }

    /// The fields a request may carry, each optional.
    public struct Overrides: Sendable, Codable, Equatable {
        public var replacewith: String?
        public var boxes: Bool?
        public var maskScale: Double?
        public var threshold: Double?
        public var scale: String?
        public var mosaicSize: Int?

        public init(replacewith: String? = nil, boxes: Bool? = nil, maskScale: Double? = nil, threshold: Double? = nil,
                    scale: String? = nil, mosaicSize: Int? = nil) {
            self.replacewith = replacewith
            self.boxes = boxes
            self.maskScale = maskScale
            self.threshold = threshold
            self.scale = scale
            self.mosaicSize = mosaicSize
        }
    }

    /// `defaults` with `overrides` applied, checked: a value out of range names itself.
    public static func resolve(_ overrides: Overrides, over defaults: AnonymizeSettings) throws(SettingsError) -> AnonymizeSettings {
        var settings = defaults
        if let raw = overrides.replacewith {
            guard let value = Replacement(rawValue: raw) else { throw SettingsError("replacewith must be blur, solid, mosaic or none") }
            settings.replacewith = value
        }
        if let boxes = overrides.boxes { settings.boxes = boxes }
        if let value = overrides.maskScale { settings.maskScale = value }
        if let value = overrides.threshold { settings.threshold = value }
        if let value = overrides.scale { settings.scale = value }
        if let value = overrides.mosaicSize { settings.mosaicSize = value }
        try settings.check()
        return settings
    }

    /// Limits: maskScale in (0.5, 3] (larger masks swallow the photo), threshold in [0.01, 1]
    /// (0 would mask every cell of the heat map), scale 32–4096 per side, mosaic tiles 1–512.
    public func check() throws(SettingsError) {
        guard maskScale.isFinite, maskScale > 0.5, maskScale <= 3 else { throw SettingsError("maskScale must be in (0.5, 3]") }
        guard threshold.isFinite, (0.01...1).contains(threshold) else { throw SettingsError("threshold must be in 0.01…1") }
        guard (1...512).contains(mosaicSize) else { throw SettingsError("mosaicSize must be in 1…512") }
        if let scale, Self.parseScale(scale) == nil { throw SettingsError("scale must be WxH, each side 32…4096 (e.g. 640x480)") }
    }

    /// The long side detection runs at when `scale` is set (deface stretches to W×H; facepipe keeps
    /// the aspect ratio and fits the image inside the box).
    public var detectionLongSide: Int? {
        scale.flatMap(Self.parseScale).map { max($0.width, $0.height) }
    }

    static func parseScale(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
              (32...4096).contains(width), (32...4096).contains(height) else { return nil }
        return (width, height)
    }

    /// Every field, as a request would name it (for answers and webhooks).
    public var overrides: Overrides {
        Overrides(replacewith: replacewith.rawValue, boxes: boxes, maskScale: maskScale, threshold: threshold, scale: scale,
                  mosaicSize: replacewith == .mosaic ? mosaicSize : nil)
    }

    /// The settings as canonical JSON: fixed key order, numbers as Swift prints them, no spaces.
    /// What is stored with the variant and hashed into `digest`.
    public var canonicalJSON: String {
        var fields = [
            #""replacewith":"\#(replacewith.rawValue)""#, #""boxes":\#(boxes)"#, #""maskScale":\#(maskScale)"#,
            #""threshold":\#(threshold)"#,
        ]
        if let scale { fields.append(#""scale":"\#(scale.lowercased())""#) }
        if replacewith == .mosaic { fields.append(#""mosaicSize":\#(mosaicSize)"#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// 16 hex digits of FNV-1a 64 over `canonicalJSON`. Names a variant among one image's few
    /// copies (not a security boundary: the image id is in the same key).
    public var digest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonicalJSON.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public struct SettingsError: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }
}

extension AnonymizeSettings {
    /// `ANONYMIZE_DEFAULT`: a JSON object with any of the request's fields, over seed 002's
    /// boxes + solid (e.g. `{"replacewith":"blur","boxes":false}` for deface's look).
    public init(from source: some ConfigSource) throws {
        guard let raw = source.value("ANONYMIZE_DEFAULT") else {
            self = .seed002
            return
        }
        let expected = #"a JSON object such as {"replacewith":"solid","boxes":true,"maskScale":1.3,"threshold":0.2}"#
        guard let overrides = try? JSONDecoder().decode(Overrides.self, from: Data(raw.utf8)) else {
            throw ConfigError(variable: "ANONYMIZE_DEFAULT", value: raw, expected: expected)
        }
        do {
            self = try Self.resolve(overrides, over: .seed002)
        } catch {
            throw ConfigError(variable: "ANONYMIZE_DEFAULT", value: raw, expected: error.description)
        }
    }
}
