/// Test colours and tolerant comparison (lossy codecs shift values a little).
struct Colour: Hashable, CustomStringConvertible {
    var red: UInt8
    var green: UInt8
    var blue: UInt8

    static let red = Colour(red: 255, green: 0, blue: 0)
    static let green = Colour(red: 0, green: 255, blue: 0)
    static let blue = Colour(red: 0, green: 0, blue: 255)
    static let yellow = Colour(red: 255, green: 255, blue: 0)
    static let white = Colour(red: 255, green: 255, blue: 255)

    var bytes: [UInt8] { [red, green, blue] }

    func isClose(to other: Colour, tolerance: Int = 48) -> Bool {
        abs(Int(red) - Int(other.red)) <= tolerance
            && abs(Int(green) - Int(other.green)) <= tolerance
            && abs(Int(blue) - Int(other.blue)) <= tolerance
    }

    var description: String { "rgb(\(red), \(green), \(blue))" }
}
