namespace StreamRisk.Domain.Books;

/// <summary>
/// One L2 price level: a price in integer ticks of the instrument's <see cref="TickSize"/> and the quantity resting
/// there. In a depth update a quantity of 0 deletes the level.
/// </summary>
public readonly record struct PriceLevel(long PriceTicks, double Quantity);
