import FacepipeCore
import Foundation
import Testing

/// The whole bad-input corpus through the real upload route (real clamd, real libvips): every
/// file gets the 4xx the README documents for it, and nothing of it is stored — no row, no job,
/// no file in the media store, nothing left in the spool. Each request carries nine bad files
/// and one good photo, so the answer lists a verdict per file (a request whose files are all
/// refused fails as a whole with the first refusal).
@Suite struct BadInputCorpusTests {
    @Test func everyBadFileGetsItsDocumented4xxAndLeavesNothing() async throws {
        let corpus = try BadInputCorpus.make()
        try await IngestHarness.run(scanner: true) { client, env in
            var batches = 0
            for start in stride(from: 0, to: corpus.count, by: 9) {
                let batch = Array(corpus[start..<min(corpus.count, start + 9)])
                batches += 1
                let good = Multipart.File(filename: "good-\(batches).jpg", contentType: "image/jpeg",
                                          data: try TestImages.jpeg(seed: 1000 + UInt64(batches)))
                let files = batch.map { Multipart.File(filename: $0.filename, contentType: "image/jpeg", data: $0.data) } + [good]
                try await client.upload(Multipart(files: files)) { response in
                    #expect(response.status == .ok)
                    let answers = response.files
                    try #require(answers.count == files.count)
                    for (entry, answer) in zip(batch, answers) {
                        let error = answer["error"] as? [String: Any]
                        #expect(answer["status"] as? String == "rejected", "\(entry.name) was not refused")
                        #expect(error?["status"] as? Int == entry.status && error?["code"] as? String == entry.code,
                                "\(entry.name): expected \(entry.status) \(entry.code), got \(error?["status"] ?? "-") \(error?["code"] ?? "-")")
                    }
                    #expect(answers.last?["status"] as? String == "processing", "the good photo beside them went through")
                }
            }
            // Only the good photos are there: one original each, one row each, one job each.
            #expect(try await env.imageRows() == batches)
            #expect(try await env.scalar("SELECT count(*) FROM jobs") == batches)
            #expect(env.storedFiles().count == batches, "\(env.storedFiles())")
            print("bad-input corpus: \(corpus.count) files, \(corpus.count) refused, 0 stored")
        }
    }

    /// One byte over the default 20 MB limit: refused while it streams in, nothing kept.
    @Test func aFileOneByteOverTheLimitIsRefused() async throws {
        let limit = IngestConfig().maxFileBytes
        let photo = try BadInputCorpus.sample(.jpeg)
        let data = photo + Data(count: limit + 1 - photo.count)
        try await IngestHarness.run { client, env in
            try await client.upload(Multipart(files: [.init(filename: "big.jpg", contentType: "image/jpeg", data: data)])) { response in
                #expect(response.status.code == 413)
                #expect(response.errorCode == "file_too_large")
            }
            #expect(env.storedFiles().isEmpty)
            #expect(try await env.imageRows() == 0)
        }
    }
}
