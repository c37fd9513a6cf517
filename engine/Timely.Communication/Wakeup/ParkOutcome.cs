namespace Timely.Communication.Wakeup;

/// <summary>How a <see cref="Doorbell.Park{TState}"/> ended.</summary>
internal enum ParkOutcome
{
    /// <summary>Work was found after announcing sleep; no sleep happened.</summary>
    DidNotSleep,

    /// <summary>A sender (or a failure) rang the doorbell.</summary>
    Woken,

    /// <summary>The timeout passed with no ring.</summary>
    TimedOut,
}
