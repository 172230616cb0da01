import FacepipeCore
import Foundation

/// Encoded output bytes with their pixel size.
public struct EncodedImage: Sendable, Hashable {
    public var data: Data
    public var format: MediaType
    public var width: Int
    public var height: Int

    public init(data: Data, format: MediaType, width: Int, height: Int) {
        self.data = data
        self.format = format
        self.width = width
        self.height = height
    }
}
