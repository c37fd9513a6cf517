namespace Timely.Communication.Wakeup;

/// <summary>
/// What a parking owner tells <see cref="SpinThenPark"/>. Implemented by a struct per
/// allocator over the allocator itself; called on the owner's thread only.
/// </summary>
internal interface IWorkProbe
{
    /// <summary>Whether there is work, or a reason to stop waiting (a failure, an unpark).</summary>
    bool HasWork();

    /// <summary>The timeout to park with, given the caller's, once the spin found nothing.</summary>
    TimeSpan? BeforePark(TimeSpan? timeout);
}
