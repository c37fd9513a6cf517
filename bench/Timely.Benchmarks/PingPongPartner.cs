using Timely.Communication;

namespace Timely.Benchmarks;

/// <summary>
/// A dedicated, optionally pinned thread that runs a loop until stopped: the other end of
/// every two-thread benchmark. Spins (no parking): the benchmarks measure the data path.
/// </summary>
internal sealed class PingPongPartner : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public PingPongPartner(Func<Func<bool>, int> loop, int? core)
    {
        _thread = new Thread(() =>
        {
            if (core is int c && Affinity.IsSupported && c < Environment.ProcessorCount)
            {
                Affinity.PinCurrentThread(c);
            }

            loop(() => _stop);
        })
        {
            IsBackground = true,
            Name = "bench-partner",
        };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    /// <summary>Pins the calling (benchmark) thread to core 0 when there are at least two cores.</summary>
    public static int? PinBenchmarkThread()
    {
        if (!Affinity.IsSupported || Environment.ProcessorCount < 2)
        {
            return null;
        }

        Affinity.PinCurrentThread(0);
        return 1;
    }
}
