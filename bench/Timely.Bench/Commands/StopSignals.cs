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
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    private StopSignals() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Starts handling SIGINT and SIGTERM until disposed.</summary>
    public static StopSignals Register() => new();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) == 1)
        {
            context.Cancel = true;
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended and disposed this between the signal and here: nothing left to stop.
            }
        }
    }
}
