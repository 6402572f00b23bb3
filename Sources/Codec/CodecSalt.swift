/// The 33 PBKDF2 salts of TAO's load-key codec: the default one and the 32 that EFF codec names select.

/// A 32-byte PBKDF2 salt and the codec name that selects it (`nil` for the default salt).
public struct CodecSalt: Sendable, Equatable {
    public let name: String?
    public let bytes: [UInt8]

    /// The salt of every TAO "encode" path: raw `.tlt`, `.etlt`, `.ckzip`, and EFF v1 members.
    public static let `default` = CodecSalt(name: nil, hex: "cb3cdc2e858689da908563056a00dbed09ac076c785543c4610f06d31b53a732")

    /// The salt an EFF manifest selects with `encryption: <name>`.
    public static func named(_ name: String) throws(CodecError) -> CodecSalt {
        guard let hex = namedSaltTable.first(where: { $0.name == name })?.hex else { throw .unknownCodec(name: name) }
        return CodecSalt(name: name, hex: hex)
    }

    /// The 32 codec names, in TAO's table order.
    public static let allNames: [String] = namedSaltTable.map(\.name)

    /// A label for reports: the codec name, or "default".
    public var label: String { name ?? "default" }

    private init(name: String?, hex: String) {
        self.name = name
        self.bytes = hexBytes(hex)
    }
}

/// TAO's codec table as published in its packages (name → salt). Data, not code: the writer picks a random row.
private let namedSaltTable: [(name: String, hex: String)] = [
    ("zjercilrdy", "7508d67a223a167b4cb82751211a99b597dd02a2dd1e6cb1595dad40bc4d07b3"),
    ("rbaqmzecvo", "5d9d5c021d19940779fc2a54158825a041c6cbc08195d33f27382bc3fff63d8c"),
    ("uphxyoadnv", "ed7ef9db17d5708b145b66925892fe5da88ad302e938e4f79dacca7e2aba5f48"),
    ("julrxnymkn", "e66c4ae50a7b498e0c6d8a9f5ce1f93afde4adfd6ac5105e158bd532beb5dccf"),
    ("dphzyfusuc", "1acb4f7799a832a312ae400bff678b464154a7aface50dbb0641bf85a777e30c"),
    ("esiwtganal", "2cb801389b80680139a8219d2fcbfbba8d6b2d7f9ca27ce7fff63f97f383bdf8"),
    ("kouslvghlf", "6fe11f1b5e160aad903d61337116a940a722d006d6c3f075d106ebf9c542b88f"),
    ("gtoxqcjlyh", "17d905c29d918444bdfdb3682a3b4aca053ebe4c9c1c127b08b5ac01b7cd11c5"),
    ("kodkdivwfl", "c21999c51106ae4ec2ab48d004498916f56dd7c683404963882a4a8498f46f2a"),
    ("gtnxuttgyk", "715b746d8965dd8f093ddb1e26dd3ffd9201072defb167a19bde2ed89340fccf"),
    ("sgasgiuhmt", "05e5598bc3a4b17608f19368438386a9f87ee365c66a152c9ca95ec279e0686e"),
    ("buvrkyehnt", "4b6c0cbb91cbc12ae7b683568ac70168a482acdfa464df86c1f4184cdcce0d54"),
    ("xqqdyxasfd", "6f844bd04fdd5a82b872db59c653edaaf85a668688c80cb08457ab005f553c02"),
    ("qahxrkjnrz", "830e857a84769f4a44a4e04130c68da30c56382a64b72f375b5ba2c2c6e209fd"),
    ("tarydtmlzf", "7d1f1eeea1651f9baab006bd551c5eb788dda6d4475bd090318ed6016a5131d2"),
    ("rbyebasalj", "96e4758d96103aeb4f4881cac6db99b4f0af7a081a21137d29dd65137e5abe0e"),
    ("wogsoimicu", "ecf9f0bd468783160c2467723dfcb1ad4a03b52590e28ab255af3e3f4bd3c100"),
    ("isratuzcvl", "bcc12b07829c1ac0c2c2d2d0ad2abd102476e940ee2d9a47556ebf567c54b650"),
    ("momcniauap", "0995bc88a3a7532633743b99942c4594b7aadb884674ed1ddb72c1f9ff90598b"),
    ("grswulrbdu", "9960fc6a1ab1ffd738610940f3902b48e1eb4a9270f78fe837f66f9bd55f8e1f"),
    ("avnashnkhe", "4cdf522fd6ad9c473bcfcea30a7675ed50de5b2569e483533412918792857f35"),
    ("xvbrfdujhw", "503c17aa9e4cb03ed56073184bf37b984b576052fb204693f3cdb1520601374c"),
    ("csxesljqkf", "06f50d88740960917a106243fcdced76d319907f9e4095e42f1744524fd6aa5b"),
    ("vxwfguofds", "7b1eff9d2a1a327d870484f693e6658314ea5a2d2d7fe031be2545ce1ef75cb2"),
    ("ewieuupvyh", "aa4d0f958feb573327d885abdcc707d50be304f341ada4e3483678a7d6fae59f"),
    ("pkqqmkgyns", "3bb378ae670bf56c6a27c6ccd5ea70a7d121b923bacb96870a7657160dad27d8"),
    ("idlphwqqiz", "c609c83f78d86b4c60eb92f492856e7c7556c1792270d5c7ebee534a9e3cdff7"),
    ("yhgstntzpf", "e43e9ad0c65f3b3b39fae6da6e143271667612f29af9383f00c7e1b9de64615c"),
    ("ltijatrwtg", "fdae0473bf892216e7c6c0eb770304e7afa21e4e16add13a1d8203a6084fcdd7"),
    ("vzcipsmwcv", "16ef9db3dba891a88effd4d1265530a79df2c30be89b1057f615dc923c9b4eb3"),
    ("yisgzwznzr", "797ba19f5a9b45b55d34911ac6c5a52687837a1af3bcce835693873d9442a9a1"),
    ("kkqfyajsee", "582aa3028d30d59396e3cd4884b753b636befc5218c87ae09c461ea66d30e45f"),
]

/// Decodes a hex string that is known to be well formed (the table above).
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
    return stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

/// Lower-case hex, for digests and reports.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
