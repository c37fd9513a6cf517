namespace Timely.Communication;

/// <summary>
/// Thrown in a worker when another worker of the computation failed: waiting for it could
/// never end, so this worker stops too. The message and <see cref="Exception.InnerException"/>
/// name the worker that failed first and why.
/// </summary>
public sealed class PeerFailedException : Exception
{
    /// <summary>An error with a generic message and <see cref="FailedWorker"/> unknown (-1); the runtime always names the worker.</summary>
    public PeerFailedException()
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the worker (or process) that failed first.</summary>
    public PeerFailedException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the worker that failed first; <paramref name="innerException"/> is that worker's own error.</summary>
    public PeerFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Global index of the worker that failed first (-1 when unknown).</summary>
    public int FailedWorker { get; init; } = -1;
}
