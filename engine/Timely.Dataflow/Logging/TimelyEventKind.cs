namespace Timely.Dataflow.Logging;

/// <summary>
/// Which case a <see cref="TimelyEvent"/> is: timely's <c>TimelyEvent</c> variants in their
/// order (the bincode tag), then <see cref="Progress"/>, which timely logs on a stream of its own.
/// </summary>
public enum TimelyEventKind
{
    /// <summary>An operator was created: id, address, name.</summary>
    Operates = 0,

    /// <summary>A channel between operators was created: id, scope address, source and target (operator index, port), record type.</summary>
    Channels = 1,

    /// <summary>Progress changed an operator's input frontier, which schedules it: operator id.</summary>
    PushProgress = 2,

    /// <summary>A message was sent or received on a dataflow channel: channel, source and target worker, sequence number, records.</summary>
    Messages = 3,

    /// <summary>An operator started or stopped running.</summary>
    Schedule = 4,

    /// <summary>An operator shut down (its dataflow completed).</summary>
    Shutdown = 5,

    /// <summary>The worker parked (with its timeout, if any) or unparked.</summary>
    Park = 7,

    /// <summary>Free text.</summary>
    Text = 8,

    /// <summary>A progress batch sent or received: source worker, progress channel, sequence number, number of updates (timely's <c>TimelyProgressEvent</c>, without the updates).</summary>
    Progress = 9,
}
