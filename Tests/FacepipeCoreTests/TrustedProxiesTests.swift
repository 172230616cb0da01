import FacepipeCore
import Testing

struct TrustedProxiesTests {
    @Test func addressesAndNetworksMatchOnlyTheirOwnPeers() throws {
        let proxies = try TrustedProxies(parsing: " 192.0.2.7 , 10.42.0.0/16, 172.16.0.0/12, fd00:1::/32")
        for peer in ["192.0.2.7", "10.42.0.1", "10.42.255.254", "172.31.240.10", "172.16.0.0", "fd00:1::5", "fd00:1:ffff::1",
                     "::ffff:10.42.7.7", "::ffff:192.0.2.7"] {
            #expect(proxies.contains(peer), "\(peer)")
        }
        for peer in ["192.0.2.8", "10.43.0.1", "10.41.255.255", "172.32.0.1", "172.15.255.255", "fd00:2::1", "::1",
                     "127.0.0.1", "", "10.42.0.1/16", "not-an-address", "10.42.0.1 "] {
            #expect(!proxies.contains(peer), "\(peer)")
        }
    }

    @Test func prefixesOffByteBoundariesAndTheEdges() throws {
        let odd = try TrustedProxies(parsing: "10.0.0.128/25")
        #expect(odd.contains("10.0.0.128") && odd.contains("10.0.0.255"))
        #expect(!odd.contains("10.0.0.127") && !odd.contains("10.0.1.128"))
        let everyone = try TrustedProxies(parsing: "0.0.0.0/0")
        #expect(everyone.contains("203.0.113.9") && !everyone.contains("2001:db8::1"))
        #expect(!TrustedProxies.none.contains("127.0.0.1"))
        #expect(try TrustedProxies(parsing: "").isEmpty)
    }

    @Test(arguments: ["proxy.internal", "10.0.0.0/33", "fd00::/129", "10.0.0.1/", "10.0.0/8", "10.0.0.1/8/8", "/8", "10.0.0.1/-1"])
    func anEntryThatIsNeitherAnAddressNorANetworkIsAnError(_ entry: String) {
        #expect(throws: TrustedProxies.InvalidEntry(entry: entry)) { try TrustedProxies(parsing: "10.0.0.1, \(entry)") }
        #expect(throws: ConfigError.self) { try AuthConfig(from: DictionaryConfigSource(["TRUSTED_PROXIES": "10.0.0.1, \(entry)"])) }
    }
}
