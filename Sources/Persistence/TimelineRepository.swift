import FacepipeCore
import Foundation
import Logging
import PostgresNIO

/// The image timeline (`events`): the one place that writes it. Callers say what happened with a
/// `TimelineEvent`, in the transaction that made it happen; repositories never log on the side.
public struct TimelineRepository: Sendable {
    let client: DatabaseClient
    let logger: Logger

    public init(client: DatabaseClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Appends one entry in the caller's transaction.
    /// - Parameter imageID: nil for an entry about no stored image (a rejected upload).
    public func append(_ event: TimelineEvent, imageID: UUID?, jobID: Int64? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(Self.insert(event, imageID: imageID, jobID: jobID), logger: logger)
    }

    /// Appends one entry on its own (nothing else changes with it).
    public func append(_ event: TimelineEvent, imageID: UUID?, jobID: Int64? = nil) async throws {
        try await client.query(Self.insert(event, imageID: imageID, jobID: jobID), logger: logger)
    }

    /// The image's entries in order; rows of a type this version does not know are skipped.
    public func entries(for imageID: UUID, limit: Int = 500) async throws -> [ImageEvent] {
        let rows = try await client.query(
            "SELECT id, job_id, at, type, data::text FROM events WHERE image_id = \(imageID) ORDER BY id LIMIT \(limit)",
            logger: logger)
        var events: [ImageEvent] = []
        for try await (eventID, jobID, at, name, data) in rows.decode((Int64, Int64?, Date, String, String).self) {
            guard let type = TimelineEventType(rawValue: name) else { continue }
            events.append(ImageEvent(id: eventID, jobID: jobID, at: at, type: type, data: data))
        }
        return events
    }

    static func insert(_ event: TimelineEvent, imageID: UUID?, jobID: Int64?) -> PostgresQuery {
        "\(unescaped: insertColumns) VALUES (\(imageID)::uuid, \(jobID)::bigint, \(event.type.rawValue), \(event.json)::jsonb)"
    }

    private static let insertColumns = "INSERT INTO events (image_id, job_id, type, data)"

    /// For the queue, whose statements change many job rows at once and log each in the same
    /// statement (a claim and its `job.started` commit together, in one round trip): a
    /// data-modifying CTE body that appends one entry per row of `source`, which must have
    /// `image_id` and `id` (the job) columns. `type` and `data` are SQL over those rows.
    public static func eachJobRow(from source: String, type: String, data: String) -> String {
        "\(insertColumns) SELECT image_id, id, \(type), \(data) FROM \(source)"
    }

    /// `type` as an SQL literal, for `eachJobRow`.
    public static func literal(_ type: TimelineEventType) -> String { "'\(type.rawValue)'" }

    /// An SQL expression choosing between two types by a job row's `status` column.
    public static func byStatus(failed: TimelineEventType, otherwise: TimelineEventType) -> String {
        "CASE status WHEN 'failed' THEN \(literal(failed)) ELSE \(literal(otherwise)) END"
    }
}
