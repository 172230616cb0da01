import Foundation

/// Where an S3-compatible bucket is and how to sign for it.
public struct S3Config: Sendable, CustomStringConvertible {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`, …: scheme, host, port.
    public var endpoint: URL
    public var bucket: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key`. The default, since MinIO,
    /// Garage, Ceph and moto expect it and it needs no wildcard DNS; AWS accepts both.
    public var usePathStyle: Bool

    public init(
        endpoint: URL, bucket: String, region: String,
        accessKeyID: String, secretAccessKey: String, usePathStyle: Bool = true
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.usePathStyle = usePathStyle
    }

    /// Never shows the secret: configurations end up in logs.
    public var description: String {
        "S3Config(endpoint: \(endpoint), bucket: \(bucket), region: \(region), accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, usePathStyle: \(usePathStyle))"
    }
}
