def knots_to_metres_per_second(knots):
    return knots * metres_per_nautical_mile / seconds_per_hour
