/// Every schema change, in order. Add a file per migration and list it here; never edit one
/// that has shipped.
public enum Migrations {
    public static let all: [Migration] = [m0001Initial, m0002UploadIntents, m0003FaceIndex, m0004FaceCropBox, m0005Access, m0006Sessions, m0007ReportLinks, m0008ProcessedVariants, m0009Documents, m0010FileKeys, m0011MirroredPairs, m0012Identities, m0013FaceAttributes, m0014PendingEvidence, m0015RateLimits, m0016DuplicatePairs, m0017UploadReceipts, m0018RegionHashes, m0019RehashRegions, m0020FaceIndexInMemory, m0021FaceRemovals]
}
