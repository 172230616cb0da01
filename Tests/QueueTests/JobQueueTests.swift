import FacepipeCore
import Foundation
import Logging
import Persistence
import PostgresNIO
import Queue
import Testing
import TestSupport

/// The queue's SQL against a real PostgreSQL, one scratch database per test.
@Suite struct JobQueueTests {
    let logger = TestDatabase.logger

    @Test func enqueueClaimCompleteWritesTheTimeline() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: "t.work", payload: #"{"n":1}"#, correlationID: "req-42")).jobID
            let claimed = try await queue.claim(worker: "w1", kinds: ["t.work"], limit: 10, leaseSeconds: 30)
            #expect(claimed.map(\.id) == [id])
            #expect(claimed.first?.attempt == 1)
            #expect(claimed.first?.payload == #"{"n": 1}"#)
            #expect(claimed.first?.correlationID == "req-42")
            #expect(try await queue.complete([id], worker: "w1") == [id])
            let job = try #require(try await queue.job(id))
            #expect(job.status == .done)
            #expect(job.finishedAt != nil)
            let events = try await eventTypes(client, job: id)
            #expect(events == ["job.queued", "job.started", "job.done"])
        }
    }

    @Test func claimsFollowPriorityThenAgeAndRespectRunAtAndKinds() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let low = try await queue.enqueue(NewJob(kind: "t.a", priority: 0)).jobID
            let high = try await queue.enqueue(NewJob(kind: "t.a", priority: 10)).jobID
            let later = try await queue.enqueue(NewJob(kind: "t.a", priority: 99, runAt: Date().addingTimeInterval(3600))).jobID
            let other = try await queue.enqueue(NewJob(kind: "t.b", priority: 50)).jobID
            let claimed = try await queue.claim(worker: "w", kinds: ["t.a"], limit: 10, leaseSeconds: 30).map(\.id)
            #expect(claimed == [high, low])
            #expect(!claimed.contains(later) && !claimed.contains(other))
        }
    }

    @Test func duplicateDedupeKeyIsRefusedWhileActive() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let first = try await queue.enqueue(NewJob(kind: "t.a", dedupeKey: "image-1:process"))
            guard case .enqueued(let id) = first else { Issue.record("first enqueue was \(first)"); return }
            #expect(try await queue.enqueue(NewJob(kind: "t.a", dedupeKey: "image-1:process")) == .duplicate(existing: id))
            // Within one batch too.
            let batch = try await queue.enqueue([
                NewJob(kind: "t.a", dedupeKey: "k2"), NewJob(kind: "t.a", dedupeKey: "k2"), NewJob(kind: "t.a"),
            ])
            #expect(batch[1] == .duplicate(existing: batch[0].jobID))
            if case .enqueued = batch[2] {} else { Issue.record("unkeyed job was \(batch[2])") }
            #expect(try await count(client, "SELECT count(*) FROM jobs WHERE dedupe_key = 'image-1:process'") == 1)
            // Once the job finished, the same work may be queued again (reprocessing).
            _ = try await queue.claim(worker: "w", kinds: ["t.a"], limit: 10, leaseSeconds: 30)
            try await queue.complete([id], worker: "w")
            let again = try await queue.enqueue(NewJob(kind: "t.a", dedupeKey: "image-1:process"))
            #expect(again != .duplicate(existing: id))
        }
    }

    @Test func concurrentClaimersNeverShareAJob() async throws {
        try await TestDatabase.withScratchDatabase(poolSize: 12) { _, client in
            let queue = JobQueue(client: client, logger: logger)
            _ = try await queue.enqueue((0..<1000).map { _ in NewJob(kind: "t.a") })
            let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await queue.claim(worker: "w\(worker)", kinds: ["t.a"], limit: 7, leaseSeconds: 30)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 1000)
            #expect(Set(all).count == 1000)
            #expect(claims.filter { !$0.isEmpty }.count > 1)
        }
    }

    @Test func onlyTheLeaseHolderCanFinishAJob() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: "t.a")).jobID
            _ = try await queue.claim(worker: "owner", kinds: ["t.a"], limit: 1, leaseSeconds: 30)
            #expect(try await queue.complete([id], worker: "intruder").isEmpty)
            #expect(try await queue.fail(id, worker: "intruder", error: "x", retryDelayMilliseconds: 0) == nil)
            #expect(try await queue.job(id)?.status == .running)
        }
    }

    @Test func expiredLeaseReturnsTheJobToTheQueue() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: "t.a", maxAttempts: 2)).jobID
            _ = try await queue.claim(worker: "dead", kinds: ["t.a"], limit: 1, leaseSeconds: 30)
            #expect(try await queue.reapExpiredLeases().count == 0)
            // Time passes without a heartbeat (moved in the database rather than slept through).
            try await client.query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = \(id)")
            let first = try await queue.reapExpiredLeases()
            #expect(first.count == 1 && first.failed.isEmpty)
            var job = try #require(try await queue.job(id))
            #expect(job.status == .queued)
            #expect(job.errorLog.first?.error.contains("lease expired") == true)
            #expect(job.errorLog.first?.worker == "dead")
            // The dead worker cannot complete it any more; the second claim is attempt 2, the last.
            #expect(try await queue.complete([id], worker: "dead").isEmpty)
            let second = try await queue.claim(worker: "alive", kinds: ["t.a"], limit: 1, leaseSeconds: 30)
            #expect(second.first?.attempt == 2)
            try await client.query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = \(id)")
            // The last attempt: the reaper hands the job back for its handler's failure hook.
            let last = try await queue.reapExpiredLeases()
            #expect(last.count == 1 && last.failed.map(\.id) == [id] && last.failed.first?.attempt == 2)
            job = try #require(try await queue.job(id))
            #expect(job.status == .failed)
            #expect(try await eventTypes(client, job: id).suffix(1) == ["job.failed"])
        }
    }

    @Test func failuresRetryUntilMaxAttemptsThenFailWithTheirErrors() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: "t.a", maxAttempts: 3)).jobID
            for attempt in 1...3 {
                let claimed = try await queue.claim(worker: "w", kinds: ["t.a"], limit: 1, leaseSeconds: 30)
                #expect(claimed.first?.attempt == attempt)
                let status = try await queue.fail(id, worker: "w", error: "boom \(attempt)", retryDelayMilliseconds: 0)
                #expect(status == (attempt < 3 ? .queued : .failed))
            }
            let job = try #require(try await queue.job(id))
            #expect(job.status == .failed)
            #expect(job.errorLog.map(\.error) == ["boom 1", "boom 2", "boom 3"])
            #expect(try await queue.claim(worker: "w", kinds: ["t.a"], limit: 1, leaseSeconds: 30).isEmpty)
        }
    }

    @Test func permanentFailureSkipsRetries() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: "t.a", maxAttempts: 5)).jobID
            _ = try await queue.claim(worker: "w", kinds: ["t.a"], limit: 1, leaseSeconds: 30)
            #expect(try await queue.fail(id, worker: "w", error: "bad input", retryDelayMilliseconds: 0, permanent: true) == .failed)
        }
    }

    @Test func retryWaitsForItsBackoff() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let id = try await queue.enqueue(NewJob(kind: "t.a")).jobID
            _ = try await queue.claim(worker: "w", kinds: ["t.a"], limit: 1, leaseSeconds: 30)
            // Measured from before the failure, not from when the job is read back: on a starved
            // machine seconds pass between the two (once 13 s), which says nothing about backoff.
            let failedAfter = Date()
            try await queue.fail(id, worker: "w", error: "later", retryDelayMilliseconds: 60_000)
            #expect(try await queue.claim(worker: "w", kinds: ["t.a"], limit: 1, leaseSeconds: 30).isEmpty)
            let job = try #require(try await queue.job(id))
            #expect(job.runAt.timeIntervalSince(failedAfter) >= 59)
        }
    }

    @Test func cancelStopsQueuedJobsOnly() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            let queued = try await queue.enqueue(NewJob(kind: "t.a", priority: 0)).jobID
            let running = try await queue.enqueue(NewJob(kind: "t.b")).jobID
            _ = try await queue.claim(worker: "w", kinds: ["t.b"], limit: 1, leaseSeconds: 30)
            #expect(try await queue.cancel(queued) == .cancelled)
            #expect(try await queue.cancel(queued) == .cancelled)
            await #expect(throws: QueueError.notCancellable(running, .running)) { try await queue.cancel(running) }
            await #expect(throws: QueueError.notFound(999_999)) { try await queue.cancel(999_999) }
            #expect(try await queue.claim(worker: "w", kinds: ["t.a"], limit: 1, leaseSeconds: 30).isEmpty)
        }
    }

    @Test func countsGroupByKindAndStatus() async throws {
        try await TestDatabase.withScratchDatabase { _, client in
            let queue = JobQueue(client: client, logger: logger)
            _ = try await queue.enqueue([NewJob(kind: "t.a"), NewJob(kind: "t.a"), NewJob(kind: "t.b")])
            _ = try await queue.claim(worker: "w", kinds: ["t.b"], limit: 1, leaseSeconds: 30)
            let counts = try await queue.counts()
            #expect(counts.contains(QueueCount(kind: "t.a", status: .queued, count: 2)))
            #expect(counts.contains(QueueCount(kind: "t.b", status: .running, count: 1)))
        }
    }
}

func eventTypes(_ client: DatabaseClient, job: Int64) async throws -> [String] {
    var types: [String] = []
    for try await type in try await client.query("SELECT type FROM events WHERE job_id = \(job) ORDER BY id").decode(String.self) {
        types.append(type)
    }
    return types
}

func count(_ client: DatabaseClient, _ sql: String) async throws -> Int {
    for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { return value }
    return 0
}
