using Microsoft.Win32.SafeHandles;
using Timely.Transport.Shm.Interop;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// Clears what dead processes left in a job directory, so that a directory from a dead job is
/// replaced file by file and never reused: a control file, ring or temporary file whose pid
/// (control pid, ring creator pid, temporary suffix) no longer runs, or is ours but was not made
/// by this process (a dead incarnation had our pid), is removed by identity. Every file is
/// opened and checked through <see cref="JobFiles"/> first, so a file this user's job did not
/// make is refused by name, never read or removed.
/// A pid is judged only in the pid namespace it was recorded in: a control file from another
/// namespace (a container sharing /dev/shm) counts as live while its heartbeat moves
/// (<see cref="HeartbeatMoves"/>), a ring whose creator pid is not running here counts as live
/// while a live control file of its process carries that pid, and a temporary file (whose
/// name carries only a pid) is left alone for <see cref="TemporaryAge"/> after it was last
/// written, so a process never removes a file a live peer is still making or using.
/// </summary>
internal static class StaleFileSweeper
{
    /// <summary>
    /// How long the sweep watches the heartbeat of a control file from another pid namespace
    /// before it takes the file for stale: as long as a connecting peer may be silent before it
    /// is called dead (<see cref="JobDirectory.SetupSilence"/>). A live peer beats every 2 ms
    /// while it waits to connect, but not while it creates and maps its files, and not while a
    /// loaded host runs something else: with a 300 ms watch, a peer in a full test run at load
    /// above 10 was taken for stale and its live files removed, and the job never formed.
    /// A live peer's file costs the sweep one beat; only a dead one costs the whole watch.
    /// </summary>
    internal static readonly TimeSpan HeartbeatWatch = JobDirectory.SetupSilence;

    /// <summary>How old a temporary file must be before a pid that does not run here makes it stale.</summary>
    internal static readonly TimeSpan TemporaryAge = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Removes the stale files of <paramref name="files"/>'s directory. With
    /// <paramref name="refuseLive"/> (at join), a live control file for our own index means the
    /// job name is in use: refused.
    /// </summary>
    public static void Sweep(JobFiles files, bool refuseLive)
    {
        int self = Environment.ProcessId;
        if (files.ListNames() is not { } names)
        {
            return;   // the last other process out already removed it
        }

        var liveForeign = new HashSet<int>();   // pids of live control files from other pid namespaces (controls are read first)
        foreach (string name in names.OrderBy(n => JobFileNames.IsControl(n) ? 0 : 1))
        {
            if (!JobFileNames.IsJobFile(name))
            {
                files.WarnForeign(name);
                continue;
            }

            int? pid;
            FileIdentity identity;
            if (JobFileNames.IsTemporary(name, out int? carried))
            {
                // A temporary file (or a removal's private name): its pid is in its name.
                if (files.Stat(name) is not { } found)
                {
                    continue;
                }

                files.Check(files.FilePath(name), found);
                identity = found;
                pid = carried;
                if (carried is { } maker && maker != self && DateTime.UtcNow - File.GetLastWriteTimeUtc(files.FilePath(name)) < TemporaryAge)
                {
                    continue;   // maybe a live process of another pid namespace making it
                }
            }
            else
            {
                if (files.OpenChecked(name) is not { } opened)
                {
                    continue;   // removed meanwhile by its owner or another cleaner
                }

                identity = opened.Identity;
                var (ownerPid, foreignLive) = ReadOwner(files.FilePath(name), opened.Handle, identity);
                pid = ownerPid;
                bool isControl = JobFileNames.IsControl(name);
                if (foreignLive && ownerPid is { } foreignPid)
                {
                    liveForeign.Add(foreignPid);
                }

                if (refuseLive && pid is { } live && live != self && (foreignLive || ProcessLiveness.IsAlive(live)) && name == JobFileNames.Control(files.ProcessIndex))
                {
                    throw new IOException(
                        $"shm job '{files.Job}' is in use: process {files.ProcessIndex} of it is running as pid {live}{(foreignLive ? " of another pid namespace" : string.Empty)} ('{files.FilePath(name)}'). Use another --job name, or stop that job.");
                }

                if (foreignLive)
                {
                    continue;
                }

                if (!isControl && pid is { } creator && creator != self && liveForeign.Contains(creator) && !ProcessLiveness.IsAlive(creator))
                {
                    continue;   // a ring of a live process of another pid namespace (kept when in doubt)
                }
            }

            if (pid is not { } owner)
            {
                throw new IOException($"shm job '{files.Job}': '{files.FilePath(name)}' is not a valid timely job file; refusing it. Remove it.");
            }

            bool stale = owner == self ? !JobFiles.IsOurs(files.FilePath(name)) : !ProcessLiveness.IsAlive(owner);
            if (stale)
            {
                files.RemoveIfSame(name, identity);
            }
        }
    }

    /// <summary>
    /// The pid recorded in a control file or ring (its creator), null when the file is not a
    /// valid one; and whether it is the control file of a live process of another pid namespace.
    /// Takes the handle.
    /// </summary>
    private static (int? Pid, bool ForeignLive) ReadOwner(string path, SafeFileHandle handle, FileIdentity identity)
    {
        if (identity.Size <= 0)
        {
            handle.Dispose();
            return (null, false);
        }

        var mapped = MappedFile.Map(handle, path, identity.Size);
        if (JobFileNames.IsControl(System.IO.Path.GetFileName(path)))
        {
            try
            {
                using var control = ControlBlock.Attach(mapped);   // disposes the mapping when invalid
                return (control.Pid, !control.PidIsVisible && HeartbeatMoves(control));
            }
            catch (InvalidDataException)
            {
                return (null, false);
            }
        }

        using (mapped)
        {
            // 0: the header's page is gone (truncated under the mapping): not provably anyone's.
            return (mapped.Region.Length >= RingDescriptor.DataOffset && RingDescriptor.CreatorPid(mapped.Region) is > 0 and int pid ? pid : null, false);
        }
    }

    /// <summary>Whether <paramref name="control"/>'s heartbeat changes within <see cref="HeartbeatWatch"/> (its file checked whole before each read).</summary>
    private static bool HeartbeatMoves(ControlBlock control)
    {
        if (control.ProbeState() is not (ProcessState.Starting or ProcessState.Running))
        {
            return false;
        }

        long first = control.Heartbeat;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < HeartbeatWatch)
        {
            Thread.Sleep(10);
            if (!control.Mapping.IsIntact)
            {
                return false;
            }

            if (control.Heartbeat != first)
            {
                return true;
            }
        }

        return false;
    }
}
