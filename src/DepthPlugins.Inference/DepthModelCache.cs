namespace DepthPlugins.Inference;

/// <summary>
/// Loaded models of one engine, by full path and execution provider. Thread-safe. A model whose file (or sidecar)
/// changed on disk is reloaded; the old session is disposed once the last run using it has finished (leases count
/// users, so a session is never disposed under a running inference).
/// </summary>
public sealed class DepthModelCache : IDisposable
{
    readonly object _gate = new();
    readonly Dictionary<(string Path, ExecutionProvider Provider, int Device), Entry> _entries = new();
    readonly Dictionary<(string, ExecutionProvider, int), object> _loadLocks = new();
    bool _disposed;

    internal sealed class Entry(DepthModel model, string stamp)
    {
        public DepthModel Model { get; } = model;
        public string Stamp { get; } = stamp;
        public int Users;
        public bool Retired;
    }

    /// <summary>A model in use; dispose it when the run is over.</summary>
    public sealed class Lease : IDisposable
    {
        readonly DepthModelCache _cache;
        readonly Entry _entry;
        int _released;

        internal Lease(DepthModelCache cache, Entry entry)
        {
            _cache = cache;
            _entry = entry;
        }

        public DepthModel Model => _entry.Model;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) _cache.Release(_entry);
        }
    }

    /// <summary>Number of distinct sessions loaded so far (for tests and diagnostics).</summary>
    public int LoadCount { get; private set; }

    public Lease Acquire(string path, SessionSettings settings)
    {
        string full = Path.GetFullPath(path);
        var key = (full, settings.Provider, settings.DeviceId);
        object loadLock;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_loadLocks.TryGetValue(key, out loadLock!)) _loadLocks[key] = loadLock = new object();
        }
        // One loader per key; other keys load concurrently.
        lock (loadLock)
        {
            string stamp = Stamp(full);
            Entry? old;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_entries.TryGetValue(key, out old) && old.Stamp == stamp)
                {
                    old.Users++;
                    return new Lease(this, old);
                }
            }
            var model = DepthModel.Load(full, settings); // a failure caches nothing
            lock (_gate)
            {
                if (_disposed)
                {
                    model.Dispose();
                    throw new ObjectDisposedException(nameof(DepthModelCache));
                }
                if (old != null) Retire(old);
                var e = new Entry(model, stamp) { Users = 1 };
                _entries[key] = e;
                LoadCount++;
                return new Lease(this, e);
            }
        }
    }

    /// <summary>Size and modification time of the model and its sidecar: what "changed on disk" means.</summary>
    static string Stamp(string full)
    {
        static string Of(string p)
        {
            var f = new FileInfo(p);
            return f.Exists ? $"{f.Length}:{f.LastWriteTimeUtc.Ticks}" : "-";
        }
        return Of(full) + "|" + Of(Sidecar.PathFor(full));
    }

    void Release(Entry e)
    {
        lock (_gate)
        {
            e.Users--;
            if (e.Retired && e.Users == 0) e.Model.Dispose();
        }
    }

    static void Retire(Entry e)
    {
        e.Retired = true;
        if (e.Users == 0) e.Model.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var e in _entries.Values) Retire(e);
            _entries.Clear();
        }
    }
}
