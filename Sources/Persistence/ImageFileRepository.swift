import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// The registry of every file stored for an image (`image_files`). Writers record a key in the
/// transaction that makes the file part of the image; erasure reads this table and nothing else.
public struct ImageFileRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func record(_ imageID: UUID, _ files: [(kind: StoredFileKind, key: String)], on connection: PostgresConnection) async throws {
        guard !files.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO image_files (image_id, kind, key)
            SELECT \(imageID), kind, key FROM unnest(\(files.map(\.kind.rawValue))::text[], \(files.map(\.key))::text[]) AS t(kind, key)
            ON CONFLICT (image_id, key) DO NOTHING
            """, logger: logger)
    }

    public func files(of imageID: UUID) async throws -> [(kind: String, key: String)] {
        var files: [(kind: String, key: String)] = []
        let rows = try await client.query("SELECT kind, key FROM image_files WHERE image_id = \(imageID) ORDER BY key", logger: logger)
        for try await (kind, key) in rows.decode((String, String).self) { files.append((kind, key)) }
        return files
    }

    /// The keys nothing refers to: in no image's registry and no document's original. What a
    /// crash between writing a file and committing its row leaves behind.
    public func unreferenced(_ keys: [String]) async throws -> [String] {
        guard !keys.isEmpty else { return [] }
        let rows = try await client.query(
            """
            SELECT k FROM unnest(\(keys)::text[]) AS t(k)
            WHERE NOT EXISTS (SELECT 1 FROM image_files f WHERE f.key = t.k)
              AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.original_key = t.k)
            """, logger: logger)
        var result: [String] = []
        for try await key in rows.decode(String.self) { result.append(key) }
        return result
    }

    /// Forgets keys whose files are gone.
    public func forget(_ imageID: UUID, keys: [String]) async throws {
        try await client.query("DELETE FROM image_files WHERE image_id = \(imageID) AND key = ANY(\(keys))", logger: logger)
    }
}
