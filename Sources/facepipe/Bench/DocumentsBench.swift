import ArgumentParser
import FacepipeCore
import Foundation
import Imaging
import Pipeline
import SampleMedia

/// `facepipe bench documents`: pages/s of render_document's work on a 20-page PDF (text on every
/// page, a photo on every other one) at `DOCUMENT_DPI`, next to a baseline measured in the same
/// run on the same pages: process_image's thumbnails and hashes of each rendered page (what the
/// page would cost had it been uploaded as an image).
struct DocumentsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "documents", abstract: "Pages/s for a 20-page PDF.")

    @Option(help: "Pages in the PDF.") var pages = 20
    @Option(help: "Passes (the median is reported).") var runs = 5
    @Option(help: "A photo drawn on every other page.") var photo = ".deps/testdata/photos/obama.jpg"

    func run() async throws {
        try VipsRuntime.start()
        let image = try DecodedImage(try Data(contentsOf: URL(fileURLWithPath: photo)), maxDimension: 1200)
        let jpeg = try image.encoded(as: .jpeg(quality: 90)).data
        let pdf = SamplePDF.make((1...pages).map {
            .init(text: "Statement page \($0) of \(pages)", jpeg: $0.isMultiple(of: 2) ? (jpeg, image.width, image.height) : nil)
        })
        let config = IngestConfig()
        print("documents benchmark: \(pages)-page PDF (\(pdf.count / 1024) KB), \(Int(config.documentDPI)) dpi, \(runs) runs, one thread")
        var render = Samples(), full = Samples(), perPage = Samples()
        var rendered: [Data] = []
        for _ in 0..<runs {
            var start = ContinuousClock.now
            rendered = []
            for page in 1...pages {
                let begin = ContinuousClock.now
                rendered.append(try DocumentWork.render(pdf, type: .pdf, page: page, config: config).data)
                perPage.add(seconds(ContinuousClock.now - begin) * 1000)
            }
            render.add(Double(pages) / seconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            for page in rendered { _ = try ImageAnalysis.run(page) }
            full.add(Double(pages) / seconds(ContinuousClock.now - start))
        }
        let first = try ImageProbe.probe(rendered[0])
        print("  render (page → PNG, \(first.width)×\(first.height)): \(format(render.median, 2)) pages/s median; per page p50 \(format(perPage.median)) ms, p95 \(format(perPage.percentile(95))) ms")
        print("  then process_image without faces (thumbnails, hashes): \(format(full.median, 2)) pages/s median")
        let both = 1 / (1 / render.median + 1 / full.median)
        print("  render + process: \(format(both, 2)) pages/s (\(format(Double(pages) / both, 1)) s for the document)")
    }
}
