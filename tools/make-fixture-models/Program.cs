using DepthPlugins.Fixtures;

// Writes the fixture models (see FixtureModels) into the folder given, for manual runs of the CLI and C/Python clients.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: make-fixture-models <out-dir>");
    return 2;
}
foreach (var (name, path) in FixtureModels.WriteAll(args[0]).OrderBy(p => p.Key))
    Console.WriteLine($"{name,-20} {new FileInfo(path).Length,8} bytes  {path}");
return 0;
