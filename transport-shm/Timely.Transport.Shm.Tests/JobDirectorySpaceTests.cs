using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// Ring space is reserved when a ring is created: on a device too small for the job (a
/// 2 MiB tmpfs, like Docker's 64 MiB /dev/shm under a larger job), set-up fails with an error
/// naming the directory, the bytes needed and the bytes free, and leaves no file behind;
/// sparse rings would have passed set-up and died of SIGBUS on first touch.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JobDirectorySpaceTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("timely-tmpfs-").FullName;
    private bool _mounted;

    [TmpfsFact]
    public void A_device_too_small_for_the_rings_is_an_error_at_set_up_naming_the_bytes()
    {
        HostHelpers.MountTmpfs(_mount, "2m");
        _mounted = true;

        // Process 0 of 2 with 2 workers each receives 4 rings of 1 MiB: twice the device.
        var error = Assert.Throws<IOException>(() => JobDirectory.Join(_mount, "big", 0, 2, 2, 1 << 20, TimeSpan.FromMilliseconds(300), _ => { }));

        Assert.Contains($"not enough space in '{_mount}'", error.Message, StringComparison.Ordinal);
        long needed = (4 * RingDescriptor.RequiredRegionBytes(1 << 20)) + ControlBlock.RequiredBytes(2);
        Assert.Contains($"need {needed} bytes", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"\d+ bytes are free", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_mount));
    }

    public void Dispose()
    {
        if (_mounted)
        {
            HostHelpers.Unmount(_mount);
        }

        Directory.Delete(_mount);
    }
}
