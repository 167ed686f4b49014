using System.Text;

namespace DepthPlugins.Core.Tests;

/// <summary>A tensor as a state dict holds it: shape and float32 values in row-major order.</summary>
sealed record TestTensor(long[] Shape, float[] Data);

/// <summary>Writes safetensors files for tests (F32 tensors plus the I64 counters PyTorch state dicts carry).</summary>
static class SafeTensorsWriter
{
    public static byte[] Build(IReadOnlyDictionary<string, TestTensor> tensors, string? headerOverride = null)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new MemoryStream();
        foreach (var (name, t) in tensors)
        {
            long begin = data.Length;
            foreach (var v in t.Data) data.Write(BitConverter.GetBytes(v));
            json.Append($",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }
        json.Append($",\"counter.num_batches_tracked\":{{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[{data.Length},{data.Length + 8}]}}}}");
        data.Write(BitConverter.GetBytes(7L));
        var header = Encoding.UTF8.GetBytes(headerOverride ?? json.ToString());
        var file = new MemoryStream();
        file.Write(BitConverter.GetBytes((ulong)header.Length));
        file.Write(header);
        data.Position = 0;
        data.CopyTo(file);
        return file.ToArray();
    }
}

/// <summary>Random FDKN weights (the state-dict names and shapes of the authors' file) for the tests of every backend.</summary>
static class FdknTestWeights
{
    public static TestTensor RandomTensor(Random rng, double scale, params long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float)(scale * (2 * rng.NextDouble() - 1));
        return new(shape, d);
    }

    /// <summary>Random FDKN weights scaled so activations neither vanish nor explode (uniform ±√(6/fan-in)) and the
    /// offset products reach several pixels, so taps leave the window; batch-norm statistics far from identity.</summary>
    public static Dictionary<string, TestTensor> RandomWeights(int seed)
    {
        var rng = new Random(seed);
        var t = new Dictionary<string, TestTensor>();
        int[] ch = [16, 32, 32, 64, 64, 128, 128];
        foreach (var p in new[] { "ImageKernel", "DepthKernel" })
        {
            for (int n = 1; n <= 6; n++)
            {
                t[$"{p}.conv{n}.weight"] = RandomTensor(rng, Math.Sqrt(6.0 / (ch[n - 1] * 9)), ch[n], ch[n - 1], 3, 3);
                t[$"{p}.conv{n}.bias"] = RandomTensor(rng, 0.1, ch[n]);
                if (n % 2 == 1)
                {
                    t[$"{p}.conv{n}_bn.weight"] = new([ch[n]], RandomTensor(rng, 0.5, ch[n]).Data.Select(v => 1 + v).ToArray());
                    t[$"{p}.conv{n}_bn.bias"] = RandomTensor(rng, 0.2, ch[n]);
                    t[$"{p}.conv{n}_bn.running_mean"] = RandomTensor(rng, 0.3, ch[n]);
                    t[$"{p}.conv{n}_bn.running_var"] = new([ch[n]], RandomTensor(rng, 0.5, ch[n]).Data.Select(v => 1 + v).ToArray());
                }
            }
            t[$"{p}.conv_weight.weight"] = RandomTensor(rng, Math.Sqrt(6.0 / 128), 144, 128, 1, 1);
            t[$"{p}.conv_weight.bias"] = RandomTensor(rng, 1, 144);
            t[$"{p}.conv_offset.weight"] = RandomTensor(rng, Math.Sqrt(6.0 / 128), 288, 128, 1, 1);
            t[$"{p}.conv_offset.bias"] = RandomTensor(rng, 2, 288);
        }
        return t;
    }
}
