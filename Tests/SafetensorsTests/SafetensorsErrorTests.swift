/// One hand-built broken file per invariant the safetensors reader enforces, each with its specific error.
import Bytes
import Safetensors
import Tensors
import Testing

@Suite struct SafetensorsErrorTests {
    @Test func acceptsAMinimalValidFile() throws {
        let file = try SafetensorsFile(view: craftedFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8))
        #expect(file.names == ["a"])
        #expect(file.metadata.isEmpty)
    }

    @Test func fileShorterThanTheLengthPrefix() {
        #expect(openingError(ByteView(copying: [1, 2, 3, 4, 5])) == .fileTooSmall(bytes: 5))
    }

    @Test func headerLongerThanTheLimit() {
        #expect(openingError(craftedFile(header: "{}", declaredLength: 200_000_000))
            == .headerTooLarge(length: 200_000_000, limit: SafetensorsFile.defaultHeaderLimit))
    }

    @Test func headerRunningPastTheEnd() {
        #expect(openingError(craftedFile(header: "{}", declaredLength: 100)) == .headerPastEnd(length: 100, fileBytes: 10))
    }

    @Test func headerNotUTF8() {
        #expect(openingError(craftedFile(headerBytes: [0x7B, 0x22, 0xFF, 0x22, 0x7D])) == .headerNotUTF8)
    }

    @Test func headerNotJSON() {
        #expect(openingError(craftedFile(header: #"{"a":"#)) == .invalidHeaderJSON(.unexpectedEnd(offset: 5)))
    }

    @Test func headerNotAnObject() {
        #expect(openingError(craftedFile(header: "[1,2]")) == .headerNotAnObject(found: "an array"))
    }

    @Test func metadataNotAnObject() {
        #expect(openingError(craftedFile(header: #"{"__metadata__":[1]}"#)) == .metadataNotAStringMap(key: nil, found: "an array"))
    }

    @Test func metadataValueNotAString() {
        #expect(openingError(craftedFile(header: #"{"__metadata__":{"format":1}}"#))
            == .metadataNotAStringMap(key: "format", found: "an integer"))
    }

    @Test func duplicateTensorName() {
        let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        #expect(openingError(craftedFile(header: header, dataBytes: 2)) == .duplicateTensorName("a"))
    }

    @Test func duplicateMetadataIsInvalidJSONNotADuplicateTensor() {
        let error = openingError(craftedFile(header: #"{"__metadata__":{},"__metadata__":{}}"#))
        guard case .invalidHeaderJSON(.duplicateKey("__metadata__", depth: 1, _)) = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }

    @Test func entryNotAnObject() {
        #expect(openingError(craftedFile(header: #"{"a":5}"#)) == .entryNotAnObject(name: "a", found: "an integer"))
    }

    @Test func missingDataOffsets() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[1]}}"#)) == .missingField(name: "a", field: "data_offsets"))
    }

    @Test func dtypeNotAString() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4))
            == .invalidField(name: "a", field: "dtype", expected: "a string", found: "an integer"))
    }

    @Test func negativeDimension() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: 4))
            == .invalidField(name: "a", field: "shape", expected: "an array of non-negative integers", found: "-1"))
    }

    @Test func fractionalDimension() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, dataBytes: 4))
            == .invalidField(name: "a", field: "shape", expected: "an array of non-negative integers", found: "a non-integer number"))
    }

    @Test func threeDataOffsets() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, dataBytes: 8))
            == .invalidField(name: "a", field: "data_offsets", expected: "an array of 2 non-negative integers", found: "3 elements"))
    }

    @Test func unknownDType() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1))
            == .unknownDType(name: "a", dtype: "F8_E9"))
    }

    @Test func shapeOverflowingSixtyFourBits() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, dataBytes: 4))
            == .sizeOverflow(name: "a", shape: [4_294_967_296, 4_294_967_296]))
    }

    @Test func bytesOverflowingSixtyFourBits() {
        // numel fits, numel × 8 does not.
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, dataBytes: 8))
            == .sizeOverflow(name: "a", shape: [2_305_843_009_213_693_952]))
    }

    @Test func offsetsEndBeforeTheyBegin() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, dataBytes: 8))
            == .offsetsReversed(name: "a", begin: 8, end: 4))
    }

    @Test func offsetSpanDisagreesWithShape() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataBytes: 4))
            == .sizeMismatch(name: "a", dtype: .f32, shape: [2], expectedBytes: 8, offsetBytes: 4))
    }

    @Test func offsetsPastTheData() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 4))
            == .offsetsOutOfRange(name: "a", end: 8, dataBytes: 4))
    }

    @Test func tensorStartingMidElement() {
        let header = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#
        #expect(openingError(craftedFile(header: header, dataBytes: 6)) == .misalignedTensor(name: "b", begin: 2, elementSize: 4))
    }

    @Test func overlappingTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(openingError(craftedFile(header: header, dataBytes: 12)) == .overlappingTensors(name: "b", other: "a"))
    }

    @Test func gapBetweenTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(openingError(craftedFile(header: header, dataBytes: 12)) == .gapBeforeTensor(name: "b", expectedBegin: 4, begin: 8))
    }

    @Test func dataNobodyOwns() {
        #expect(openingError(craftedFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 8))
            == .trailingData(coveredBytes: 4, dataBytes: 8))
    }

    @Test func errorDescriptionsAreOneLine() {
        let errors: [SafetensorsError] = [
            .fileTooSmall(bytes: 3), .invalidHeaderJSON(.unexpectedEnd(offset: 2)),
            .sizeMismatch(name: "a", dtype: .f16, shape: [3], expectedBytes: 6, offsetBytes: 4),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix("safetensors: "))
        }
    }
}
