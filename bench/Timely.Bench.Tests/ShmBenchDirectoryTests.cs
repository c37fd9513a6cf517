using Timely.Bench.TransportBench;

namespace Timely.Bench.Tests;

// shm-bench makes its files under a root every user may write (/dev/shm). Its directory must be
// one no other user could have made first: a name from the pid alone could be pre-made by anyone.
public sealed class ShmBenchDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("timely-shm-bench-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_directory_is_new_private_and_not_the_name_another_user_could_have_made_first()
    {
        // What a second user could have made ahead of the run: the pid-named directory of old.
        string predictable = Path.Combine(_root, $"timely-shm-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(predictable);
        File.WriteAllText(Path.Combine(predictable, "theirs"), "not the bench's");

        string first = ShmBenchCommand.CreatePrivateDirectory(_root);
        string second = ShmBenchCommand.CreatePrivateDirectory(_root);

        Assert.NotEqual(predictable, first);
        Assert.NotEqual(first, second);
        Assert.StartsWith(Path.Combine(_root, $"timely-shm-bench-{Environment.ProcessId}-"), first, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(first));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(first));
        }

        Assert.True(File.Exists(Path.Combine(predictable, "theirs")));
    }
}
