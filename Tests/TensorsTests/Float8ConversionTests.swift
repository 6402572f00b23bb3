/// The 8-bit float formats of the safetensors spec (F8_E4M3, F8_E5M2, F8_E8M0) read as f32, against values fixed
/// by the OCP FP8 and MX specifications. (All 256 codes of each were also compared with torch 2.15's
/// float8_e4m3fn / float8_e5m2 / float8_e8m0fnu casts when this was written: no difference.)
import Bytes
import Tensors
import Testing

@Suite struct Float8ConversionTests {
    private func value(_ bits: UInt8, _ dtype: DType) -> Float { Float8Conversion.toF32(bits, dtype) }

    @Test func e4m3() {
        #expect(value(0x00, .f8E4M3) == 0 && value(0x80, .f8E4M3).sign == .minus)
        #expect(value(0x01, .f8E4M3) == 0x1p-9)  // smallest subnormal
        #expect(value(0x08, .f8E4M3) == 0x1p-6)  // smallest normal
        #expect(value(0x38, .f8E4M3) == 1)
        #expect(value(0x7E, .f8E4M3) == 448)  // largest: no infinities
        #expect(value(0xFE, .f8E4M3) == -448)
        #expect(value(0x7F, .f8E4M3).isNaN && value(0xFF, .f8E4M3).isNaN)
        #expect((0..<256).filter { value(UInt8($0), .f8E4M3).isNaN }.count == 2)
        #expect((0..<256).allSatisfy { !value(UInt8($0), .f8E4M3).isInfinite })
    }

    @Test func e5m2() {
        #expect(value(0x01, .f8E5M2) == 0x1p-16)
        #expect(value(0x04, .f8E5M2) == 0x1p-14)
        #expect(value(0x3C, .f8E5M2) == 1)
        #expect(value(0x7B, .f8E5M2) == 57344)
        #expect(value(0x7C, .f8E5M2) == .infinity && value(0xFC, .f8E5M2) == -.infinity)
        #expect(value(0x7D, .f8E5M2).isNaN && value(0xFF, .f8E5M2).isNaN)
        #expect((0..<256).filter { value(UInt8($0), .f8E5M2).isNaN }.count == 6)
    }

    @Test func e8m0() {
        #expect(value(0x7F, .f8E8M0) == 1)
        #expect(value(0x80, .f8E8M0) == 2)
        #expect(value(0x00, .f8E8M0) == 0x1p-127)
        #expect(value(0xFE, .f8E8M0) == 0x1p127)
        #expect(value(0xFF, .f8E8M0).isNaN)
        #expect((0..<255).allSatisfy { value(UInt8($0), .f8E8M0) > 0 })
    }

    @Test func positiveCodesAreOrderedLikeTheirValues() {
        for dtype in [DType.f8E4M3, .f8E5M2, .f8E8M0] {
            let finite = (0..<128).map { value(UInt8($0), dtype) }.filter(\.isFinite)
            #expect(finite == finite.sorted(), "\(dtype)")
        }
    }

    @Test func safetensorsNamesAndViews() throws {
        #expect([DType.f8E4M3, .f8E5M2, .f8E8M0].map(\.safetensorsName) == ["F8_E4M3", "F8_E5M2", "F8_E8M0"])
        #expect(DType(safetensorsName: "F8_E8M0") == .f8E8M0)
        #expect(DType.f8E5M2.size == 1 && DType.f8E5M2.isFloatingPoint)
        let bytes: [UInt8] = [0x38, 0xB8, 0x7E, 0x00]
        let view = try TensorView(name: "w", dtype: .f8E4M3, shape: [2, 2], storage: ByteView(copying: bytes))
        #expect(try view.toFloat32() == [1, -1, 448, 0])
    }
}
