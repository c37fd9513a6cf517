using System.Runtime.InteropServices;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// Removes this process's files of a job when the process ends before the job is disposed: at
/// ProcessExit (a normal exit, <see cref="Environment.Exit"/>) and on SIGTERM, SIGINT and
/// SIGQUIT (.NET's default SIGTERM handling does not raise ProcessExit). The signal is not
/// cancelled: the process still ends as it would have (or as the embedder's own handler
/// decides), only without leaving its files in the shared directory.
/// </summary>
// Design:
// - Registered by the joining thread before the job makes its first file, unregistered by
//   Dispose (the job's teardown) before the teardown removes the files itself; the handlers
//   run on runtime threads in between, concurrently with anything.
// - A handler only unlinks this process's files (JobFiles.RemoveOwnFiles, under its lock, at
//   most once) and removes the directory when it is empty: it unmaps nothing, so a worker
//   thread still using a mapping is not cut off before the process ends.
// - A failure is a warning: an exception in an exit handler would crash the exiting process.
// - Fields are readonly and set at construction.
internal sealed class ExitCleanup : IDisposable
{
    private static readonly PosixSignal[] Signals = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT];

    private readonly JobFiles _files;
    private readonly PosixSignalRegistration[] _signals;

    /// <summary>Starts watching for the end of the process on behalf of <paramref name="files"/>.</summary>
    public ExitCleanup(JobFiles files)
    {
        _files = files;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        _signals = [.. Signals.Select(signal => PosixSignalRegistration.Create(signal, OnSignal))];
    }

    /// <summary>Stops watching (the job's own teardown removes the files).</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        try
        {
            _files.RemoveOwnFiles();
            _files.TryRemoveEmptyDirectory();
        }
        catch (IOException error)
        {
            _files.WarnOnce("exit", $"shm job '{_files.Job}': removing this process's files at exit failed: {error.Message}");
        }
    }

    /// <summary><see cref="PosixSignalContext.Cancel"/> stays as it was, so the signal still ends the process.</summary>
    private void OnSignal(PosixSignalContext context) => OnProcessExit(null, EventArgs.Empty);
}
