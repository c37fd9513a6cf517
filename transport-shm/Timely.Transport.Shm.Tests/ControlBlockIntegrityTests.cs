using Timely.Bytes;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// A control file scribbled on or truncated by someone else: a parked owner does not sleep
/// through it, and the error names the file (the engine's liveness thread and every park
/// deadline rely on <see cref="ControlBlock.Verify"/>).
/// </summary>
public sealed class ControlBlockIntegrityTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("timely-control-").FullName;

    [Fact]
    public void A_parked_owner_whose_doorbell_word_is_overwritten_stops_naming_the_file()
    {
        string path = Path.Combine(_directory, "proc-0");
        using var control = ControlBlock.Create(path, 0, 2, Environment.ProcessId);
        var error = ParkUntilCorrupted(control, () =>
        {
            // Another mapping writes the word with no futex wake: only a bounded sleep notices.
            using var other = MappedFile.Open(path);
            Volatile.Write(ref other.Region.Int32At(CacheLine.Size), 0x5A5A5A5A);
        });
        Assert.IsType<InvalidDataException>(error);
        Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("doorbell word holds 0x5a5a5a5a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parked_owner_whose_file_is_truncated_to_its_header_stops_naming_the_file()
    {
        string path = Path.Combine(_directory, "proc-0");
        using var control = ControlBlock.Create(path, 0, 2, Environment.ProcessId);
        var error = ParkUntilCorrupted(control, () =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            stream.SetLength(CacheLine.Size);
        });
        Assert.IsType<InvalidDataException>(error);
        Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"truncated to {CacheLine.Size} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_probe_reports_pages_a_truncation_took_instead_of_faulting_on_them()
    {
        string path = Path.Combine(_directory, "probed");
        using var file = MappedFile.Create(path, 2 * 4096);
        var region = file.Region;
        Span<byte> written = [1, 2, 3, 4, 5, 6, 7, 8];
        Span<byte> read = stackalloc byte[8];
        Assert.True(region.TryProbeWrite(4096 + 8, written));
        Assert.True(region.TryProbeRead(4096 + 8, read));
        Assert.True(read.SequenceEqual(written));
        Assert.Equal(0x0807060504030201L, Volatile.Read(ref region.Int64At(4096 + 8)));   // the same bytes a plain read sees
        Assert.True(region.TryProbeRead(4096 + 8, out long typed));
        Assert.Equal(0x0807060504030201L, typed);

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(4096);   // the second page leaves the mapping; a plain read of it would raise SIGBUS
        }

        Assert.True(region.TryProbeRead(0, read));
        Assert.False(region.TryProbeRead(4096 + 8, read));
        Assert.False(region.TryProbeWrite(4096 + 8, written));
        Assert.False(region.TryProbeRead(4096 - 4, read));   // straddles the lost page
        Assert.False(region.TryProbeRead(4096 + 8, out long lost));
        Assert.Equal(0, lost);
        Assert.False(region.TryProbeRead(4096 - 4, out long straddling));
        Assert.Equal(0, straddling);
        Assert.True(region.TryProbeRead(4096 - 8, out long kept));   // the page that stayed still reads
        Assert.Equal(Volatile.Read(ref region.Int64At(4096 - 8)), kept);
    }

    [Fact]
    public void A_control_file_truncated_to_nothing_is_named_by_every_read_outside_the_message_path()
    {
        string path = Path.Combine(_directory, "proc-1");
        using var control = ControlBlock.Create(path, 1, 2, Environment.ProcessId);
        control.Beat();
        Assert.Equal(1, control.Heartbeat);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(0);
        }

        Action[] reads =
        [
            () => _ = control.Heartbeat,
            control.Beat,
            () => _ = control.ProbeState(),
            () => control.State = ProcessState.Finished,
            () => _ = control.Sealed,
            () => control.Sealed = true,
            () => _ = control.ReadFailure(),
        ];
        foreach (var read in reads)
        {
            var error = Assert.Throws<IOException>(read);
            Assert.Contains($"'{path}' was truncated under the job", error.Message, StringComparison.Ordinal);
        }

        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(control.Verify).Message, StringComparison.Ordinal);
        control.PublishFailure(0, "nothing to write it into");   // writes what it can: nothing, and no fault
        Assert.Throws<InvalidDataException>(() => ControlBlock.Open(path));
    }

    [Fact]
    public void Verify_names_the_file_for_each_kind_of_damage_and_accepts_a_whole_one()
    {
        string path = Path.Combine(_directory, "proc-3");
        using var control = ControlBlock.Create(path, 3, 1, Environment.ProcessId);
        control.Verify();   // whole: no exception
        using var other = MappedFile.Open(path);
        var region = other.Region;
        (string Damage, Action Apply, Action Undo)[] cases =
        [
            ("header changed", () => region.Int64At(0) = 0x1234, () => region.Int64At(0) = (long)ControlBlock.Magic),
            ("header changed", () => region.Int32At(12) = 7, () => region.Int32At(12) = 1),
            ("state word holds 99", () => region.Int32At(24) = 99, () => region.Int32At(24) = (int)ProcessState.Starting),
            ("doorbell word holds 0x00000007", () => region.Int32At(CacheLine.Size) = 7, () => region.Int32At(CacheLine.Size) = 0),
        ];
        foreach (var (damage, apply, undo) in cases)
        {
            apply();
            var e = Assert.Throws<InvalidDataException>(control.Verify);
            Assert.Contains($"shm control file '{path}' of process 3", e.Message, StringComparison.Ordinal);
            Assert.Contains(damage, e.Message, StringComparison.Ordinal);
            undo();
            control.Verify();
        }
    }

    [Fact]
    public void A_failure_published_into_a_truncated_file_sets_only_the_state()
    {
        string path = Path.Combine(_directory, "proc-0");
        using var control = ControlBlock.Create(path, 0, 1, Environment.ProcessId);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(CacheLine.Size);
        }

        control.PublishFailure(0, "boom");   // the record's bytes are gone: touching them would raise SIGBUS
        Assert.Equal(ProcessState.Failed, control.State);
    }

    /// <summary>Parks worker 0 with no timeout on one thread, applies <paramref name="corrupt"/> once it sleeps, and returns what the park threw.</summary>
    private static Exception ParkUntilCorrupted(ControlBlock control, Action corrupt)
    {
        var bell = control.Bell(0);
        Exception? thrown = null;
        var owner = new Thread(() =>
        {
            try
            {
                bell.Park<int>(null, static _ => false, 0);
            }
            catch (InvalidDataException e)
            {
                thrown = e;
            }
        })
        {
            IsBackground = true,   // a park that never ends must not keep the test host alive
        };
        owner.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!bell.IsSleeping)
        {
            Assert.True(clock.Elapsed < Deadline, "the owner never parked");
            Thread.Yield();
        }

        corrupt();
        Assert.True(owner.Join(Deadline), "the parked owner slept through the corruption");
        return thrown ?? throw new Xunit.Sdk.XunitException("the park returned instead of throwing");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
