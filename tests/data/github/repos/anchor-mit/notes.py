café = 'latte'
