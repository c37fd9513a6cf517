namespace Timely.Communication;

/// <summary>
/// Thrown in a worker when another worker of the computation failed: waiting for it could
/// never end, so this worker stops too. The message and <see cref="Exception.InnerException"/>
/// name the worker that failed first and why.
/// </summary>
public sealed class PeerFailedException : Exception
{
    public PeerFailedException()
    {
    }

    public PeerFailedException(string message)
        : base(message)
    {
    }

    public PeerFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Global index of the worker that failed first (-1 when unknown).</summary>
    public int FailedWorker { get; init; } = -1;
}
