using System.Buffers.Binary;
using System.Text.Json;

namespace DepthPlugins.Core.Deformable;

/// <summary>One tensor's entry in a safetensors header: element type, shape and byte range within the data section.</summary>
public sealed record TensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reader for the safetensors format (Hugging Face): an 8-byte little-endian header length, a UTF-8 JSON object mapping
/// tensor names to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (plus an optional <c>__metadata__</c> map of
/// strings), then the little-endian tensor bytes, offsets relative to the end of the header. Parsed with
/// <see cref="Utf8JsonReader"/> (no reflection, AOT-safe). A missing or unreadable file is a <see cref="DpStatus.Io"/>
/// error, every malformation a <see cref="DpStatus.Model"/> error.
/// </summary>
public sealed class SafeTensors
{
    /// <summary>The format caps the header at 100 MB; a larger length means the file is not safetensors.</summary>
    const long MaxHeaderBytes = 100_000_000;

    static readonly Dictionary<string, int> ElementSizes = new()
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    readonly byte[] _file;
    readonly int _dataStart;

    SafeTensors(string source, byte[] file, int dataStart, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        _file = file;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file name (or "memory"), used in error messages.</summary>
    public string Source { get; }
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafeTensors Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new DpException(DpStatus.Io, $"weights file '{path}' does not exist");
            if (info.Length > Array.MaxLength) throw new DpException(DpStatus.Model, $"weights file '{path}' is too large ({info.Length} bytes)");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DpException(DpStatus.Io, $"weights file '{path}' cannot be read: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    public static SafeTensors Parse(byte[] file, string source = "memory")
    {
        DpException Bad(string why) => new(DpStatus.Model, $"'{source}' is not a valid safetensors file: {why}");
        if (file.Length < 8) throw Bad("shorter than its 8-byte header length");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLen > MaxHeaderBytes || (long)headerLen > file.Length - 8) throw Bad($"header length {headerLen} does not fit the file ({file.Length} bytes)");
        int dataStart = 8 + (int)headerLen;
        long dataLength = file.Length - dataStart;
        var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(file.AsSpan(8, (int)headerLen), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            Expect(ref reader, JsonTokenType.StartObject, "the header is not a JSON object");
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName) throw Bad("expected a tensor name");
                string name = reader.GetString()!;
                if (name == "__metadata__")
                {
                    Expect(ref reader, JsonTokenType.StartObject, "__metadata__ is not an object");
                    while (Next(ref reader) != JsonTokenType.EndObject)
                    {
                        string key = reader.GetString()!;
                        Expect(ref reader, JsonTokenType.String, $"metadata '{key}' is not a string");
                        metadata[key] = reader.GetString()!;
                    }
                    continue;
                }
                var t = ReadEntry(ref reader, name, Bad);
                if (t.Begin < 0 || t.End < t.Begin || t.End > dataLength)
                    throw Bad($"tensor '{name}' spans bytes {t.Begin}..{t.End} outside the {dataLength}-byte data section");
                if (!ElementSizes.TryGetValue(t.DType, out int size)) throw Bad($"tensor '{name}' has unknown dtype '{t.DType}'");
                if (t.Shape.Any(d => d < 0)) throw Bad($"tensor '{name}' has a negative dimension");
                long bytes;
                try { bytes = checked(t.ElementCount * size); }
                catch (OverflowException) { throw Bad($"tensor '{name}' has an impossibly large shape"); }
                if (bytes != t.End - t.Begin) throw Bad($"tensor '{name}' of shape [{string.Join(", ", t.Shape)}] {t.DType} needs {bytes} bytes, its range holds {t.End - t.Begin}");
                if (!tensors.TryAdd(name, t)) throw Bad($"tensor '{name}' appears twice");
            }
            if (reader.Read()) throw Bad("text after the header object");
        }
        catch (JsonException e) { throw Bad($"header JSON: {e.Message}"); }
        catch (InvalidOperationException e) { throw Bad($"header JSON: {e.Message}"); }
        return new SafeTensors(source, file, dataStart, tensors, metadata);
    }

    static TensorInfo ReadEntry(ref Utf8JsonReader reader, string name, Func<string, DpException> bad)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"tensor '{name}' is not an object");
        string? dtype = null;
        long[]? shape = null, offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            switch (key)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, $"tensor '{name}' dtype is not a string");
                    dtype = reader.GetString();
                    break;
                case "shape": shape = ReadLongs(ref reader); break;
                case "data_offsets": offsets = ReadLongs(ref reader); break;
                default: reader.Skip(); break; // unknown keys are tolerated
            }
        }
        if (dtype == null || shape == null || offsets is not { Length: 2 }) throw bad($"tensor '{name}' lacks dtype, shape or a two-number data_offsets");
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    static long[] ReadLongs(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartArray, "expected an array of integers");
        var list = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v)) throw new JsonException("expected an integer");
            list.Add(v);
        }
        return [.. list];
    }

    static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("the header ends early");
        return reader.TokenType;
    }

    static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string why)
    {
        if (Next(ref reader) != type) throw new JsonException(why);
    }

    /// <summary>The tensor's values as float32; F32, F16 and BF16 are accepted. Throws (Model) when it is missing or
    /// its shape differs from <paramref name="shape"/>.</summary>
    public float[] Float32(string name, params long[] shape)
    {
        if (!Tensors.TryGetValue(name, out var t)) throw new DpException(DpStatus.Model, $"'{Source}' has no tensor '{name}'");
        if (!t.Shape.SequenceEqual(shape))
            throw new DpException(DpStatus.Model, $"'{Source}': tensor '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", shape)}]");
        var src = _file.AsSpan(_dataStart + (int)t.Begin, (int)(t.End - t.Begin));
        var dst = new float[t.ElementCount];
        switch (t.DType)
        {
            case "F32":
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case "F16":
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]);
                break;
            case "BF16":
                for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16);
                break;
            default:
                throw new DpException(DpStatus.Model, $"'{Source}': tensor '{name}' is {t.DType}; weights must be F32, F16 or BF16");
        }
        return dst;
    }
}
