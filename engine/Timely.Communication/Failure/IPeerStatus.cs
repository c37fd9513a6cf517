namespace Timely.Communication.Failure;

/// <summary>What a worker can learn about the other workers: whether one failed, and whether one has finished.</summary>
internal interface IPeerStatus
{
    /// <summary>Whether anything failed (cheap; polled by parking workers).</summary>
    bool HasFailed { get; }

    /// <summary>Throws <see cref="PeerFailedException"/> naming the failure, unless it was <paramref name="self"/>'s own.</summary>
    void ThrowIfFailed(int self);

    /// <summary>Whether worker <paramref name="worker"/> has returned: nobody will read what is still queued for it.</summary>
    bool HasFinished(int worker);
}
