namespace Timely.Dataflow.Logging;

/// <summary>
/// One logged event as a logging stream carries it (the <c>(Duration, TimelySetup, TimelyEvent)</c>
/// records of timely's logging-recv example): when it happened, on which worker, and what.
/// </summary>
/// <param name="Time">Time since the worker started.</param>
/// <param name="Worker">The worker that logged it.</param>
/// <param name="Event">The event.</param>
public readonly record struct LogRecord(TimeSpan Time, int Worker, TimelyEvent Event)
{
    /// <summary>Rust's <c>Debug</c> shape of the tuple: <c>(1.2ms, TimelySetup { index: 0 }, Schedule(...))</c>.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"({Time.TotalMilliseconds:0.###}ms, TimelySetup {{ index: {Worker} }}, {Event})");
}
