namespace Timely.Communication.Logging;

/// <summary>A communication thread starting or stopping (timely's <c>StateEvent</c>).</summary>
/// <param name="Send">True for a send thread, false for a receive thread.</param>
/// <param name="Process">This process's index.</param>
/// <param name="Remote">The remote process's index.</param>
/// <param name="Start">True when the thread starts, false when it stops.</param>
public readonly record struct StateEvent(bool Send, int Process, int Remote, bool Start);
