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
/// </summary>
internal static class StaleFileSweeper
{
    /// <summary>
    /// Removes the stale files of <paramref name="files"/>'s directory. With
    /// <paramref name="refuseLive"/> (at join), a live control file for our own index means the
    /// job name is in use: refused.
    /// </summary>
    public static void Sweep(JobFiles files, bool refuseLive)
    {
        int self = Environment.ProcessId;
        string[] names;
        try
        {
            names = files.ListNames();
        }
        catch (DirectoryNotFoundException)
        {
            return;   // the last other process out already removed it
        }

        foreach (string name in names)
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
            }
            else
            {
                if (files.OpenChecked(name) is not { } opened)
                {
                    continue;   // removed meanwhile by its owner or another cleaner
                }

                identity = opened.Identity;
                pid = ReadOwnerPid(files.FilePath(name), opened.Handle, identity);
                if (refuseLive && pid is { } live && live != self && ProcessLiveness.IsAlive(live) && name == JobFileNames.Control(files.ProcessIndex))
                {
                    throw new IOException(
                        $"shm job '{files.Job}' is in use: process {files.ProcessIndex} of it is running as pid {live} ('{files.FilePath(name)}'). Use another --job name, or stop that job.");
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

    /// <summary>The pid recorded in a control file or ring (its creator); null when the file is not a valid one. Takes the handle.</summary>
    private static int? ReadOwnerPid(string path, SafeFileHandle handle, FileIdentity identity)
    {
        if (identity.Size <= 0)
        {
            handle.Dispose();
            return null;
        }

        var mapped = MappedFile.Map(handle, path, identity.Size);
        if (JobFileNames.IsControl(System.IO.Path.GetFileName(path)))
        {
            try
            {
                using var control = ControlBlock.Attach(mapped);   // disposes the mapping when invalid
                return control.Pid;
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        using (mapped)
        {
            return mapped.Region.Length >= RingDescriptor.DataOffset ? RingDescriptor.CreatorPid(mapped.Region) : null;
        }
    }
}
