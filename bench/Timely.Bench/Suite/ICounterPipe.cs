namespace Timely.Bench.Suite;

/// <summary>
/// The EventPipe session a <see cref="CounterSession"/> reads: its event stream, and how it is
/// ended. The seam where tests put a pipe that fails (on read, stop or disposal) in place of a
/// child's real session, to show that no failure of the counter reader ends a suite run.
/// </summary>
public interface ICounterPipe : IDisposable
{
    /// <summary>The nettrace stream; read by the session's reader thread only.</summary>
    Stream EventStream { get; }

    /// <summary>Asks the child to end the session (its stream then ends).</summary>
    void Stop();
}
