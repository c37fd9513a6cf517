using System.Runtime.InteropServices;

namespace Timely.Bench.Commands;

/// <summary>
/// SIGINT and SIGTERM as a request to stop, for a command that runs until stopped: the first
/// signal cancels <see cref="Token"/> and keeps the process alive so the run can end its round,
/// report and exit 0; a second one is left to its default, which ends the process at once (a
/// run that does not stop on the first is not waited for twice). Registered for one run and
/// disposed after it.
/// </summary>
// Design: the handlers run on the runtime's signal thread. They only cancel the source (safe
// from any thread) and read one flag set there; nothing else is touched. The shared-memory
// transport's own handlers of the same signals still run and remove this process's files at
// once; the run goes on with its mappings, which outlive the names.
//
// The launcher runs process 0 in its own process (Launch/Launcher.cs) and stops it as a child is
// stopped: it asks whether a run here stops by itself (IsRegistered, read on the signal thread),
// and on another process's failure stops it as a first signal would (RequestStop, on the relay
// thread). The registered instance is published in a volatile static: set before its handlers
// exist, cleared before they are disposed, so a reader sees a registration whose token is live
// or none (a RequestStop that finds a disposed source has nothing left to stop).
internal sealed class StopSignals : IDisposable
{
    private static volatile StopSignals? s_current;

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    private StopSignals()
    {
        s_current = this;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether a run in this process stops by itself on its first SIGINT or SIGTERM now.</summary>
    public static bool IsRegistered => s_current is not null;

    /// <summary>Starts handling SIGINT and SIGTERM until disposed.</summary>
    public static StopSignals Register() => new();

    /// <summary>
    /// Stops the registered run as its first signal would (a later signal is then its second);
    /// false when no run is registered, or it had already been stopped, so nothing here stopped it.
    /// </summary>
    public static bool RequestStop() => s_current?.Stop() ?? false;

    public void Dispose()
    {
        Interlocked.CompareExchange(ref s_current, null, this);
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Stop())
        {
            context.Cancel = true;
        }
    }

    private bool Stop()
    {
        if (Interlocked.Increment(ref _signals) != 1)
        {
            return false;
        }

        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended and disposed this between the signal and here: nothing left to stop.
        }

        return true;
    }
}
