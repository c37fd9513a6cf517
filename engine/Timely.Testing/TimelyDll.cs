namespace Timely.Testing;

/// <summary>
/// The built <c>timely</c> command (bench/Timely.Bench, assembly <c>timely.dll</c>) that tests start
/// as a child process with <c>dotnet timely.dll ...</c>: the copy beside the test assembly when the
/// test project references the tool, otherwise the one the solution built in the same
/// configuration as the tests (a test project that needs it lists the tool as a build-order-only
/// reference, so it is there before the tests run).
/// </summary>
public static class TimelyDll
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>The full path of timely.dll; a <see cref="FileNotFoundException"/> saying how to build it when there is none.</summary>
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        string beside = System.IO.Path.Combine(AppContext.BaseDirectory, "timely.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        string built = Repository.PathOf($"bench/Timely.Bench/bin/{Configuration}/net10.0/timely.dll");
        return File.Exists(built)
            ? built
            : throw new FileNotFoundException($"{built} is missing: build the solution in {Configuration} first (dotnet build Timely.Native.sln -c {Configuration})", built);
    }
}
