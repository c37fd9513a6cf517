namespace Timely.Testing;

/// <summary>The clone these tests were built from: found by walking up from the test assembly to <c>Timely.Native.sln</c>.</summary>
public static class Repository
{
    /// <summary>The repository's root folder (the one that holds <c>Timely.Native.sln</c>).</summary>
    public static string Root { get; } = LocateRoot();

    /// <summary><paramref name="relative"/> ('/'-separated) under the repository root.</summary>
    public static string PathOf(string relative) => Path.Combine([Root, .. relative.Split('/')]);

    private static string LocateRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Timely.Native.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Timely.Native.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository");
    }
}
