public enum FacepipeVersion {
    public static let current = "0.1.0"
}
