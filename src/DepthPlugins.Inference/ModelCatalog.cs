using System.Collections.Concurrent;
using System.Security.Cryptography;
using DepthPlugins.Core;

namespace DepthPlugins.Inference;

/// <summary>A well-known public depth model: where to get it and how to recognise the right file.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 as published by the hosting repository, or "" when none is published.</param>
/// <param name="Size">Approximate download size as the host shows it (for display only).</param>
public sealed record KnownModel(string Name, ModelFamily Family, string FileName, string Url, string Sha256, string Size, string Licence, string Notes);

/// <summary>Outcome of checking a file against the manifest.</summary>
public enum VerifyResult
{
    /// <summary>The file's SHA-256 equals the published one.</summary>
    Verified,
    /// <summary>The file is the model the name refers to, but nobody publishes a checksum for it.</summary>
    NoPublishedChecksum,
    /// <summary>The SHA-256 differs from the published one (corrupt, truncated, or a different file).</summary>
    Mismatch,
    /// <summary>No manifest entry has this checksum (verify by path only).</summary>
    Unknown,
}

/// <summary>
/// The manifest of well-known depth models, the user's model directory, and checksum verification.
/// No weights are bundled and nothing is downloaded by the library: the user fetches a file (see
/// docs/depth-estimation.md) into <see cref="ModelDirectory"/>, and <c>--model NAME</c> then finds it there.
/// </summary>
public static class ModelCatalog
{
    // Checksums are the Git LFS SHA-256 values shown on each file's Hugging Face page. The official MiDaS v2.1 small
    // release asset has no published checksum (third-party pins disagree), so it is left empty rather than guessed.
    public static IReadOnlyList<KnownModel> Models { get; } =
    [
        new("depth-anything-v2-small", ModelFamily.DepthAnything, "depth-anything-v2-small.onnx",
            "https://huggingface.co/onnx-community/depth-anything-v2-small/resolve/main/onnx/model.onnx",
            "afb6a5c28f3b6bf1618c6e43f02073ef9dfdc70e937502d51603e57b0a1df10c", "99.1 MB", "Apache-2.0",
            "Depth Anything V2 Small (ViT-S), fp32, dynamic input; output 1×H×W relative inverse depth"),
        new("depth-anything-v2-small-int8", ModelFamily.DepthAnything, "depth-anything-v2-small-int8.onnx",
            "https://huggingface.co/onnx-community/depth-anything-v2-small/resolve/main/onnx/model_int8.onnx",
            "01aa7a23de3f4a0ee1a2bb9997e6918104c85a9f95dea46d27b9b3fb0c6b9001", "27.3 MB", "Apache-2.0",
            "the same network with int8 weights: about 3.6× smaller, somewhat less accurate"),
        new("midas-v2.1-small", ModelFamily.MidasSmall, "midas-v2.1-small.onnx",
            "https://github.com/isl-org/MiDaS/releases/download/v2_1/model-small.onnx",
            "", "67 MB", "MIT",
            "official MiDaS v2.1 small release asset; fixed 1×3×256×256"),
        new("midas-v2.1-small-256", ModelFamily.MidasSmall, "midas-v2.1-small-256.onnx",
            "https://huggingface.co/julienkay/sentis-MiDaS/resolve/49661c6dbe7e7e1a57290e30aae95b649fd33d54/midas_v21_small_256.onnx",
            "b0a5b3f12625137e626805167907fe0410665bec671685d59daaa2daab19f977", "66.4 MB", "MIT",
            "MiDaS v2.1 small converted from the official weights (julienkay/sentis-MiDaS)"),
        new("dpt-swin2-base-384", ModelFamily.Dpt, "dpt-swin2-base-384.onnx",
            "https://huggingface.co/julienkay/sentis-MiDaS/resolve/49661c6dbe7e7e1a57290e30aae95b649fd33d54/dpt_swin2_base_384.onnx",
            "0fa3da0376993b455cea0d5f97b8a7cef720f41b129f9d42a0ba9b9ad1240b86", "431 MB", "MIT",
            "MiDaS 3.1 DPT SwinV2-Base, fixed 384×384 (julienkay/sentis-MiDaS)"),
        new("dpt-large-384", ModelFamily.Dpt, "dpt-large-384.onnx",
            "https://huggingface.co/julienkay/sentis-MiDaS/resolve/49661c6dbe7e7e1a57290e30aae95b649fd33d54/dpt_large_384.onnx",
            "42b2e08dada8bd0e4612ac268f5f92c065389484c7e4cfab4ca8f3c32a13090f", "1.37 GB", "MIT",
            "MiDaS 3.0 DPT-Large (ViT-L), fixed 384×384 (julienkay/sentis-MiDaS)"),
    ];

    public static KnownModel? Find(string name) => Models.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>$XDG_DATA_HOME/depthplugins/models, else ~/.local/share/depthplugins/models (Windows: %LOCALAPPDATA%).</summary>
    public static string ModelDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            string root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg
                : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(root, "depthplugins", "models");
        }
    }

    /// <summary>
    /// A manifest name (case-insensitive, no directory separator) resolves to its file in <see cref="ModelDirectory"/>, which must exist and, where a checksum is
    /// published, match it. Anything else is a path, used as is (checked when it is loaded).
    /// </summary>
    public static string Resolve(string pathOrName)
    {
        if (string.IsNullOrWhiteSpace(pathOrName)) throw DpException.Invalid("model path is empty");
        bool hasSeparator = pathOrName.IndexOfAny(['/', '\\']) >= 0;
        // Names contain dots ("midas-v2.1-small"), so a manifest name wins over "looks like a file name".
        var known = hasSeparator ? null : Find(pathOrName);
        if (known == null)
        {
            if (!hasSeparator && !Path.GetExtension(pathOrName).Equals(".onnx", StringComparison.OrdinalIgnoreCase) && !File.Exists(pathOrName))
                throw new DpException(DpStatus.Io, $"model \"{pathOrName}\" is neither a file nor a known model name ({string.Join(", ", Models.Select(m => m.Name))})");
            return pathOrName;
        }
        var file = Path.Combine(ModelDirectory, known.FileName);
        if (!File.Exists(file))
            throw new DpException(DpStatus.Io, $"model \"{known.Name}\" is not installed: expected {file} (download {known.Url} to that path; see docs/depth-estimation.md)");
        if (VerifyCached(file, known) == VerifyResult.Mismatch)
            throw new DpException(DpStatus.Model, $"{file} does not match the published SHA-256 of \"{known.Name}\" (corrupt or incomplete download?); run `depthplugins models verify {file}`");
        return file;
    }

    static readonly ConcurrentDictionary<string, (string Stamp, VerifyResult Result)> s_verified = new();

    /// <summary>Hashing 100 MB–1 GB on every call would dominate small jobs: remember results per file size and time.</summary>
    static VerifyResult VerifyCached(string file, KnownModel known)
    {
        var info = new FileInfo(file);
        string stamp = $"{info.Length}:{info.LastWriteTimeUtc.Ticks}:{known.Name}";
        if (s_verified.TryGetValue(file, out var c) && c.Stamp == stamp) return c.Result;
        var r = Verify(file, known).Result;
        s_verified[file] = (stamp, r);
        return r;
    }

    /// <summary>SHA-256 of a file as lower-case hex. Throws DpException(Io) when it cannot be read.</summary>
    public static string Sha256Of(string file)
    {
        try
        {
            using var s = File.OpenRead(file);
            return Convert.ToHexStringLower(SHA256.HashData(s));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DpException(DpStatus.Io, $"cannot read {file}: {e.Message}");
        }
    }

    /// <summary>
    /// Checks a file. With <paramref name="expected"/> (a name's entry) the verdict is about that model; without,
    /// the file is identified by its checksum among the manifest entries, or by its file name for entries that have
    /// no published checksum.
    /// </summary>
    public static (VerifyResult Result, KnownModel? Model, string Sha256) Verify(string file, KnownModel? expected = null)
    {
        if (!File.Exists(file)) throw new DpException(DpStatus.Io, $"{file} does not exist");
        string sha = Sha256Of(file);
        if (expected != null)
        {
            var r = expected.Sha256.Length == 0 ? VerifyResult.NoPublishedChecksum
                : expected.Sha256 == sha ? VerifyResult.Verified : VerifyResult.Mismatch;
            return (r, expected, sha);
        }
        var bySha = Models.FirstOrDefault(m => m.Sha256 == sha);
        if (bySha != null) return (VerifyResult.Verified, bySha, sha);
        var byName = Models.FirstOrDefault(m => m.FileName.Equals(Path.GetFileName(file), StringComparison.OrdinalIgnoreCase));
        if (byName != null)
            return (byName.Sha256.Length == 0 ? VerifyResult.NoPublishedChecksum : VerifyResult.Mismatch, byName, sha);
        return (VerifyResult.Unknown, null, sha);
    }
}
