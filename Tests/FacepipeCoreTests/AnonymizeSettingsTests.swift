import FacepipeCore
import Foundation
import Testing

/// deface's options as a request names them, resolved over the service default.
@Suite struct AnonymizeSettingsTests {
    @Test func unnamedOptionsComeFromTheDefault() throws {
        let settings = try AnonymizeSettings.resolve(.init(maskScale: 1.5), over: .seed002)
        #expect(settings.replacewith == .solid && settings.boxes && settings.maskScale == 1.5 && settings.threshold == 0.2)
        #expect(try AnonymizeSettings.resolve(.init(), over: .seed002) == .seed002)
    }

    @Test func theSameOptionsHaveTheSameDigestAndOthersDiffer() throws {
        let a = try AnonymizeSettings.resolve(.init(replacewith: "blur", boxes: false), over: .seed002)
        #expect(a.digest == AnonymizeSettings.deface.digest && a.canonicalJSON == AnonymizeSettings.deface.canonicalJSON)
        #expect(a.canonicalJSON == #"{"replacewith":"blur","boxes":false,"maskScale":1.3,"threshold":0.2}"#)
        #expect(a.digest.count == 16 && a.digest.allSatisfy(\.isHexDigit))
        let digests = Set([AnonymizeSettings.deface, .seed002,
                           try .resolve(.init(threshold: 0.3), over: .seed002),
                           try .resolve(.init(scale: "640x480"), over: .seed002),
                           try .resolve(.init(scale: "640X480"), over: .seed002),
                           try .resolve(.init(replacewith: "mosaic"), over: .seed002),
                           try .resolve(.init(replacewith: "mosaic", mosaicSize: 8), over: .seed002)].map(\.digest))
        #expect(digests.count == 6)  // 640x480 and 640X480 are the same request
        // The tile size matters only for mosaics.
        #expect(try AnonymizeSettings.resolve(.init(mosaicSize: 8), over: .seed002).digest == AnonymizeSettings.seed002.digest)
    }

    @Test(arguments: [
        AnonymizeSettings.Overrides(replacewith: "paint"), .init(maskScale: 0.5), .init(maskScale: 3.5), .init(maskScale: .nan),
        .init(threshold: 0), .init(threshold: 1.5), .init(scale: "640"), .init(scale: "10x10"), .init(scale: "640x99999"),
        .init(scale: "../x"), .init(mosaicSize: 0), .init(mosaicSize: 1000),
    ])
    func outOfRangeOptionsAreRefusedByName(_ overrides: AnonymizeSettings.Overrides) {
        #expect(throws: AnonymizeSettings.SettingsError.self) { try AnonymizeSettings.resolve(overrides, over: .seed002) }
    }

    @Test func scaleBoundsTheDetectionLongSide() throws {
        #expect(try AnonymizeSettings.resolve(.init(scale: "640x360"), over: .seed002).detectionLongSide == 640)
        #expect(AnonymizeSettings.seed002.detectionLongSide == nil)
    }

    @Test func theServiceDefaultIsConfigurable() throws {
        #expect(try AnonymizeSettings(from: DictionaryConfigSource([:])) == .seed002)
        let blur = try AnonymizeSettings(from: DictionaryConfigSource(["ANONYMIZE_DEFAULT": #"{"replacewith":"blur","boxes":false}"#]))
        #expect(blur == .deface)
        for bad in [#"{"replacewith":"paint"}"#, "solid", #"{"maskScale":"big"}"#] {
            #expect(throws: ConfigError.self) { try AnonymizeSettings(from: DictionaryConfigSource(["ANONYMIZE_DEFAULT": bad])) }
        }
    }
}
