using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace DepthPlugins.Inference;

/// <summary>
/// Finds the native ONNX Runtime library beside <em>our own</em> binary.
/// <para>
/// Inside a NativeAOT shared library (libdepthplugins.so loaded by GIMP, an OFX host or Python), a plain
/// <c>DllImport("onnxruntime")</c> is searched for beside the host executable and on the system path, never beside
/// libdepthplugins.so, where the package's libonnxruntime.so is shipped. So, before any ORT type is touched, this
/// module initializer turns off ORT's own resolver (it probes beside the managed assembly, which a NativeAOT image
/// does not have) and registers one that asks the dynamic loader which file contains our code (<c>dladdr</c> on an
/// address inside this image; <c>GetModuleHandleEx</c> on Windows) and loads the library from that folder.
/// When that folder has no ORT library (a framework-dependent build: tests, <c>dotnet run</c>), the default probing
/// (deps.json, runtimes/&lt;rid&gt;/native) applies unchanged.
/// </para>
/// </summary>
static unsafe class OrtLibraryResolver
{
    static string? s_resolvedPath;
    static string? s_imagePath;

    /// <summary>The file the ORT library was loaded from by this resolver, or null when default probing was used.</summary>
    public static string? ResolvedPath => s_resolvedPath;

    /// <summary>The binary that contains this code (libdepthplugins.so, an AOT executable), or null when JIT-compiled.</summary>
    public static string? ImagePath => s_imagePath ??= FindOwnImage();

    // A library module initializer is exactly right here: the resolver must be in place before any code of this
    // assembly can reach an ORT P/Invoke, whichever entry point (C export, CLI, test) comes first.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before any ORT P/Invoke")]
    [ModuleInitializer]
    internal static void Register()
    {
        OrtEnv.DisableDllImportResolver = true;
        NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "onnxruntime") return IntPtr.Zero;
        var dir = Path.GetDirectoryName(ImagePath);
        if (dir != null)
        {
            var file = Path.Combine(dir, NativeFileName);
            if (File.Exists(file) && NativeLibrary.TryLoad(file, out var handle))
            {
                s_resolvedPath = file;
                return handle;
            }
        }
        return IntPtr.Zero; // default probing
    }

    static string NativeFileName =>
        OperatingSystem.IsWindows() ? "onnxruntime.dll" : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib" : "libonnxruntime.so";

    /// <summary>An exported-style function whose address lies inside our image once compiled ahead of time.</summary>
    [UnmanagedCallersOnly]
    static int Anchor() => 0;

    [StructLayout(LayoutKind.Sequential)]
    struct DlInfo
    {
        public IntPtr FileName;
        public IntPtr FileBase;
        public IntPtr SymbolName;
        public IntPtr SymbolAddress;
    }

    static string? FindOwnImage()
    {
        // Under the JIT the anchor is a stub in anonymous memory: nothing to find, and nothing needed.
        if (RuntimeFeature.IsDynamicCodeSupported) return null;
        IntPtr address = (IntPtr)(delegate* unmanaged<int>)&Anchor;
        try
        {
            return OperatingSystem.IsWindows() ? WindowsModulePath(address) : PosixImagePath(address);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    static string? PosixImagePath(IntPtr address)
    {
        // dladdr lives in libc since glibc 2.34, in libdl before; libSystem on macOS.
        string[] candidates = OperatingSystem.IsMacOS() ? ["/usr/lib/libSystem.B.dylib"] : ["libc.so.6", "libdl.so.2"];
        foreach (var lib in candidates)
        {
            if (!NativeLibrary.TryLoad(lib, out var h)) continue;
            if (!NativeLibrary.TryGetExport(h, "dladdr", out var fn)) continue;
            DlInfo info;
            int ok = ((delegate* unmanaged<IntPtr, DlInfo*, int>)fn)(address, &info);
            return ok != 0 && info.FileName != IntPtr.Zero ? Marshal.PtrToStringUTF8(info.FileName) : null;
        }
        return null;
    }

    static string? WindowsModulePath(IntPtr address)
    {
        // GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT
        var k32 = NativeLibrary.Load("kernel32.dll");
        var getHandle = (delegate* unmanaged<uint, IntPtr, IntPtr*, int>)NativeLibrary.GetExport(k32, "GetModuleHandleExW");
        var getName = (delegate* unmanaged<IntPtr, char*, uint, uint>)NativeLibrary.GetExport(k32, "GetModuleFileNameW");
        IntPtr module;
        if (getHandle(0x4 | 0x2, address, &module) == 0) return null;
        var buf = stackalloc char[32768];
        uint n = getName(module, buf, 32768);
        return n == 0 ? null : new string(buf, 0, (int)n);
    }
}
