namespace Timely.Communication.Wakeup;

/// <summary>How a <see cref="Doorbell.Park{TState}"/> ended; the values are the ones <c>SharedDoorbell.Park</c> returns.</summary>
internal enum ParkOutcome
{
    /// <summary>Work was found after announcing sleep; no sleep happened.</summary>
    DidNotSleep = 0,

    /// <summary>A sender (or a failure) rang the doorbell, or work was found at a deadline.</summary>
    Woken = 1,

    /// <summary>The timeout passed with no ring.</summary>
    TimedOut = 2,
}
