import NIOCore
import NIOPosix

/// One clamd connection: clamd answers one `z`-command per connection unless IDSESSION is used,
/// so every scan and ping opens its own.
struct ClamdConnection: Sendable {
    typealias Writer = NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// The longest reply we accept; real ones are a signature name or a short error line.
    static let maxReplyBytes = 4096

    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(
        to endpoint: ClamdEndpoint, group: any EventLoopGroup, timeout: Duration
    ) async throws -> ClamdConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(timeout / .nanoseconds(1))))
        let wrap: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        do {
            switch endpoint {
            case .unixSocket(let path):
                return ClamdConnection(channel: try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: wrap))
            case .tcp(let host, let port):
                return ClamdConnection(channel: try await bootstrap.connect(host: host, port: port, channelInitializer: wrap))
            }
        } catch {
            throw ScanError.unreachable("\(endpoint): \(error)")
        }
    }

    /// Writes `command` NUL-terminated, then runs `send` while reading the reply concurrently:
    /// clamd may answer (e.g. size limit exceeded) and hang up before we have sent everything.
    func exchange(
        command: String, send: @escaping @Sendable (Writer) async throws -> Void = { _ in }
    ) async throws -> String {
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Event.self) { group in
                group.addTask { await Self.readReply(inbound) }
                group.addTask {
                    do {
                        try await outbound.write(ByteBuffer(string: "z\(command)\0"))
                        try await send(outbound)
                        return .sent
                    } catch let error as SourceError {
                        return .sourceFailed(error.underlying)
                    } catch {
                        return .sendFailed(error)
                    }
                }
                defer { group.cancelAll() }
                var sendError: (any Error)?
                while let event = try await group.next() {
                    switch event {
                    case .sent:
                        continue
                    case .sourceFailed(let error):
                        throw error  // our side broke (e.g. file unreadable): clamd would wait forever
                    case .sendFailed(let error):
                        sendError = error  // the reply, if any, says why clamd hung up
                    case .reply(let text):
                        return text
                    case .ended(let readError):
                        if let scanError = readError as? ScanError { throw scanError }
                        let cause = readError ?? sendError
                        throw ScanError.protocolError(
                            "clamd closed the connection without a reply" + (cause.map { ": \($0)" } ?? ""))
                    }
                }
                throw ScanError.protocolError("no reply")  // unreachable: the reader always finishes
            }
        }
    }

    private enum Event: Sendable {
        case sent, sendFailed(any Error), sourceFailed(any Error), reply(String), ended((any Error)?)
    }

    private static func readReply(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async -> Event {
        var reply = ByteBuffer()
        do {
            for try await var part in inbound {
                reply.writeBuffer(&part)
                if let nul = reply.readableBytesView.firstIndex(of: 0) {
                    return .reply(reply.getString(at: reply.readerIndex, length: nul - reply.readerIndex) ?? "")
                }
                if reply.readableBytes > maxReplyBytes {
                    return .ended(ScanError.protocolError("reply longer than \(maxReplyBytes) bytes"))
                }
            }
        } catch {
            return .ended(error)
        }
        // Older clamd versions may omit the terminator when closing; accept what arrived.
        return reply.readableBytes > 0 ? .reply(String(buffer: reply)) : .ended(nil)
    }
}

/// Marks a failure of the data being streamed (not of the connection).
struct SourceError: Error {
    let underlying: any Error
}
