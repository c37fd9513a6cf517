using System.Globalization;
using Timely.Transport.Shm.Interop;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// A job directory trusts nothing it did not make: a symlink at its name, a directory of
/// another user, a directory of ours with a loose mode, a symlink or FIFO at a job file's
/// name are each refused with an error naming them, and nothing outside the job is touched
/// (a listing with mtimes and contents is equal before and after).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JobDirectoryHostileTests : IDisposable
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(300);
    private readonly string _base = Directory.CreateTempSubdirectory("timely-hostile-").FullName;
    private readonly string _root;
    private readonly string _outside;

    public JobDirectoryHostileTests()
    {
        // The root is open to everyone (as /dev/shm is, without even its sticky bit), so a
        // second user can plant things in it; the outside directory is root's own, 0700.
        _root = Directory.CreateDirectory(Path.Combine(_base, "root")).FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0x1FF);   // 0777
        File.SetUnixFileMode(_base, (UnixFileMode)0x1ED);   // 0755: nobody may traverse to the root
        _outside = Directory.CreateDirectory(Path.Combine(_base, "outside"), (UnixFileMode)0x1C0).FullName;
        foreach (string name in new[] { "proc-0", "proc-1", "ring-1-to-0", "ring-0-to-1", "x.tmp.y" })
        {
            File.WriteAllText(Path.Combine(_outside, name), "precious " + name);
        }
    }

    [SecondUserFact]
    public void A_symlink_at_the_job_directory_name_is_refused_and_its_target_untouched()
    {
        string job = JobDirectory.PathFor(_root, "link");
        HostHelpers.RunAsSecondUser($"ln -s '{_outside}' '{job}'");
        var before = HostHelpers.Snapshot(_base);

        var error = Assert.Throws<IOException>(() => JobDirectory.Join(_root, "link", 0, 2, 1, 4096, ShortTimeout));

        Assert.Contains($"'{job}' is a symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, HostHelpers.Snapshot(_base));
    }

    [SecondUserFact]
    public void A_directory_made_by_another_user_with_planted_files_is_refused_and_left_alone()
    {
        string job = JobDirectory.PathFor(_root, "squat");
        HostHelpers.RunAsSecondUser($"mkdir -m 0777 '{job}' && printf planted > '{job}/proc-1' && printf planted > '{job}/ring-0-to-1'");
        var before = HostHelpers.Snapshot(_base);

        var error = Assert.Throws<IOException>(() => JobDirectory.Join(_root, "squat", 0, 2, 1, 4096, ShortTimeout));

        Assert.Contains($"'{job}' belongs to uid {HostHelpers.SecondUid}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, HostHelpers.Snapshot(_base));
    }

    [Fact]
    public void A_directory_of_ours_with_mode_0755_is_refused_with_what_to_do()
    {
        string job = JobDirectory.PathFor(_root, "loose");
        Directory.CreateDirectory(job, (UnixFileMode)0x1ED);   // 0755
        File.SetUnixFileMode(job, (UnixFileMode)0x1ED);        // whatever the umask
        var before = HostHelpers.Snapshot(_base);

        var error = Assert.Throws<IOException>(() => JobDirectory.Join(_root, "loose", 0, 1, 1, 4096, ShortTimeout));

        Assert.Contains($"'{job}' has mode 755; a job directory must be 0700", error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 0700", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, HostHelpers.Snapshot(_base));
    }

    [Fact]
    public void A_symlink_at_a_ring_name_inside_the_job_directory_is_not_followed()
    {
        string job = JobDirectory.PathFor(_root, "ringlink");
        Directory.CreateDirectory(job, (UnixFileMode)0x1C0);
        string link = Path.Combine(job, "ring-1-to-0");
        File.CreateSymbolicLink(link, Path.Combine(_outside, "ring-1-to-0"));
        var before = HostHelpers.Snapshot(_outside);

        var error = Assert.Throws<IOException>(() => JobDirectory.Join(_root, "ringlink", 0, 2, 1, 4096, ShortTimeout));

        Assert.Contains($"'{link}' is a symbolic link; refusing to follow it", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, HostHelpers.Snapshot(_outside));
        Assert.Equal(Path.Combine(_outside, "ring-1-to-0"), new FileInfo(link).LinkTarget);   // not ours to remove
    }

    [Fact]
    public void A_fifo_at_a_job_file_name_is_refused_by_name()
    {
        string job = JobDirectory.PathFor(_root, "fifo");
        Directory.CreateDirectory(job, (UnixFileMode)0x1C0);
        string fifo = Path.Combine(job, "proc-1");
        var made = HostHelpers.Run("mkfifo", ["-m", "0600", fifo]);
        Assert.True(made.ExitCode == 0, made.Output);
        var before = HostHelpers.Snapshot(_outside);

        var error = Assert.Throws<IOException>(() => JobDirectory.Join(_root, "fifo", 0, 2, 1, 4096, ShortTimeout));

        Assert.Contains($"'{fifo}' is a FIFO, not a regular file", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, HostHelpers.Snapshot(_outside));
        Assert.Equal(Posix.TypeFifo, Posix.StatNoFollow(fifo)!.Value.Type);
    }

    [Fact]
    public void The_default_directory_name_carries_the_uid()
    {
        Assert.Equal(
            Path.Combine("/dev/shm", "timely-" + Posix.UserId.ToString(CultureInfo.InvariantCulture) + "-job"),
            JobDirectory.PathFor("/dev/shm", "job"));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);
}
