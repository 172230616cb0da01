import FacepipeCore
import Metrics

/// The queue's metrics (swift-metrics; exported by the server's /metrics).
enum QueueMetrics {
    static func duration(kind: JobKind) -> Metrics.Timer {
        Metrics.Timer(label: "facepipe_job_duration_seconds", dimensions: [("kind", kind.rawValue)], preferredDisplayUnit: .seconds)
    }
    static func outcome(kind: JobKind, outcome: String) -> Counter {
        Counter(label: "facepipe_jobs_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome)])
    }
    static func retries(kind: JobKind) -> Counter {
        Counter(label: "facepipe_job_retries_total", dimensions: [("kind", kind.rawValue)])
    }
    static func failures(kind: JobKind) -> Counter {
        Counter(label: "facepipe_job_failures_total", dimensions: [("kind", kind.rawValue)])
    }
    /// Attempts ended by their kind's processing timeout.
    static func timeouts(kind: JobKind) -> Counter {
        Counter(label: "facepipe_job_timeouts_total", dimensions: [("kind", kind.rawValue)])
    }
    static let leasesReaped = Counter(label: "facepipe_job_leases_expired_total")
    static let inFlight = Meter(label: "facepipe_worker_jobs_in_flight")
}

/// Publishes queue depth per (kind, status) as gauges. Called by whoever exports metrics.
public struct QueueDepthGauges: Sendable {
    public init() {}

    public func update(_ counts: [QueueCount]) {
        // Totals per status always exist, so dashboards and alerts work on an empty queue.
        for status in JobStatus.allCases {
            let total = counts.filter { $0.status == status }.reduce(0) { $0 + $1.count }
            Gauge(label: "facepipe_queue_depth", dimensions: [("status", status.rawValue)]).record(total)
        }
        // Statuses absent from the counts are zero; publish them so series do not go stale.
        let kinds = Set(counts.map(\.kind))
        for kind in kinds {
            for status in JobStatus.allCases {
                let value = counts.first { $0.kind == kind && $0.status == status }?.count ?? 0
                Gauge(label: "facepipe_queue_jobs", dimensions: [("kind", kind), ("status", status.rawValue)])
                    .record(value)
            }
        }
    }
}
