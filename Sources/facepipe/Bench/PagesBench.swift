import App
import ArgumentParser
import AsyncHTTPClient
import FacepipeCore
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO

/// `facepipe bench pages`: server time of the gallery and detail pages with many images in the
/// database (rows made in SQL, spread over a year, like a real table), and the bytes each page
/// sends (HTML, then CSS and JS once, cached after).
struct PagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pages", abstract: "Gallery and detail page times with many images.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Images in the database.") var images = 10_000
    @Option(help: "Requests per page.") var requests = 300

    func run() async throws {
        let (config, logger) = try await common.load(extra: ["LOG_LEVEL": "warning"])
        try await withScratchDatabase("facepipe_bench_pages", config: config, logger: logger) { url in
            let server = try BenchServer(database: url, environment: BenchServer.faceModels)
            defer { server.stop() }
            try await server.waitUntilHealthy()
            let ids = try await Database.withClient(url: url, poolSize: 2, logger: logger) { client in
                try await Self.seed(client, count: images, logger: logger)
            }
            print("pages benchmark: \(images) images, \(requests) requests per page, one client, server pid \(server.pid)")
            var gallery = Samples(), filtered = Samples(), deep = Samples(), detail = Samples()
            var cursor: String?
            for index in 0..<requests {
                gallery.add(try await Self.time(server, "/ui/gallery"))
                filtered.add(try await Self.time(server, "/ui/gallery?hasFaces=true&status=done"))
                // Paging deep into the table costs the same as the first page (keyset pagination).
                let page = try await Self.page(server, cursor.map { "/ui/gallery?cursor=\($0)" } ?? "/ui/gallery")
                deep.add(page.ms)
                cursor = page.next ?? nil
                detail.add(try await Self.time(server, "/ui/images/\(ids[index % ids.count].uuidString.lowercased())"))
            }
            for (name, samples) in [("gallery (first page)", gallery), ("gallery (faces, done)", filtered),
                                    ("gallery (paging on)", deep), ("detail", detail)] {
                print("  \(name): p50 \(format(samples.median)) ms, p95 \(format(samples.percentile(95))) ms")
            }
            for path in ["/ui/gallery", "/ui/images/\(ids[0].uuidString.lowercased())", "/ui/upload", "/ui/queue", "/ui/search",
                         "/ui/duplicates", "/ui/admin", "/ui/assets/app.css", "/ui/assets/app.js"] {
                let bytes = try await Self.fetch(server, path).readableBytes
                print("  \(path): \(bytes) bytes")
            }
        }
    }

    /// Rows shaped like processed images (thumbnails, hashes, some faces), spread over a year.
    static func seed(_ client: DatabaseClient, count: Int, logger: Logger) async throws -> [UUID] {
        try await client.query("INSERT INTO reports (id) SELECT 'r-' || n FROM generate_series(0, 499) AS n", logger: logger)
        try await client.query(
            """
            INSERT INTO images (id, report_id, sha256, mime, bytes, width, height, original_key, thumbnails, phash, ahash, dhash,
                                safe_meta, has_faces, face_count, status, created_at, processed_at)
            SELECT gen_random_uuid(), 'r-' || (n % 500), lpad(to_hex(n), 64, '0'), 'image/jpeg', 1000000, 4000, 3000,
                   'originals/2026/01/x.jpg',
                   jsonb_build_object('thumb', 'thumbnails/thumb/' || n || '.webp', 'medium', 'thumbnails/medium/' || n || '.webp',
                                      'large', 'thumbnails/large/' || n || '.webp'),
                   lpad(to_hex(n), 16, '0'), lpad(to_hex(n), 16, '0'), lpad(to_hex(n), 16, '0'),
                   '{"width":4000,"height":3000,"format":"jpeg"}', n % 3 = 0, n % 3, 'done',
                   now() - (n || ' minutes')::interval * 50, now()
            FROM generate_series(1, \(count)) AS n
            """, logger: logger)
        try await client.query(
            "INSERT INTO image_reports (image_id, report_id, added_at) SELECT id, report_id, created_at FROM images", logger: logger)
        var ids: [UUID] = []
        for try await id in try await client.query("SELECT id FROM images ORDER BY random() LIMIT 200", logger: logger).decode(UUID.self) {
            ids.append(id)
        }
        return ids
    }

    static func fetch(_ server: BenchServer, _ path: String) async throws -> ByteBuffer {
        let response = try await HTTPClient.shared.execute(server.request(path), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 24)
        guard response.status == .ok else { throw BenchServerError("\(path): \(response.status)") }
        return body
    }

    static func time(_ server: BenchServer, _ path: String) async throws -> Double {
        try await page(server, path).ms
    }

    static func page(_ server: BenchServer, _ path: String) async throws -> (ms: Double, next: String?) {
        let start = ContinuousClock.now
        let body = String(buffer: try await fetch(server, path))
        let ms = seconds(ContinuousClock.now - start) * 1000
        let next = body.range(of: "cursor=").map { body[$0.upperBound...].prefix { $0 != "\"" && $0 != "&" } }.map(String.init)
        return (ms, next)
    }
}
