using Timely.Dataflow;

namespace Timely.Hosting;

/// <summary>
/// What a hosted Timely job does on each worker: build its dataflows (every worker builds the
/// same ones, in the same order). Resolved from the service provider, so it can take the
/// channels, options and loggers it needs in its constructor.
/// </summary>
/// <remarks>
/// <see cref="Run"/> is called once on each worker's thread. When it returns, the worker closes
/// its input handles and runs until every dataflow is complete: an async source
/// (<c>scope.SourceFrom(channel.Reader, ...)</c>) keeps it running until its channel completes
/// or the host stops. <see cref="Worker.Cancellation"/> fires when the host stops.
/// </remarks>
public interface ITimelyJob
{
    /// <summary>Builds this worker's dataflows (and may step them); runs on the worker's thread.</summary>
    void Run(Worker worker);
}
