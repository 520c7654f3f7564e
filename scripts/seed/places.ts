// The vocabulary generated names and addresses are drawn from: enough variety for sorts and
// filters to behave as on real data (many cities, repeated street names, uneven counts).

export interface Region {
  country: string
  currency: string
  timeZone: string
  cities: ReadonlyArray<{ name: string, region: string, postalPrefix: string }>
}

export const REGIONS: readonly Region[] = [
  {
    country: 'US',
    currency: 'USD',
    timeZone: 'America/New_York',
    cities: [
      { name: 'Boston', region: 'MA', postalPrefix: '021' },
      { name: 'Cambridge', region: 'MA', postalPrefix: '021' },
      { name: 'Providence', region: 'RI', postalPrefix: '029' },
      { name: 'Hartford', region: 'CT', postalPrefix: '061' },
      { name: 'Albany', region: 'NY', postalPrefix: '122' },
      { name: 'Brooklyn', region: 'NY', postalPrefix: '112' },
      { name: 'Newark', region: 'NJ', postalPrefix: '071' },
      { name: 'Philadelphia', region: 'PA', postalPrefix: '191' }
    ]
  },
  {
    country: 'US',
    currency: 'USD',
    timeZone: 'America/Chicago',
    cities: [
      { name: 'Chicago', region: 'IL', postalPrefix: '606' },
      { name: 'Milwaukee', region: 'WI', postalPrefix: '532' },
      { name: 'Minneapolis', region: 'MN', postalPrefix: '554' },
      { name: 'St. Louis', region: 'MO', postalPrefix: '631' },
      { name: 'Madison', region: 'WI', postalPrefix: '537' },
      { name: 'Des Moines', region: 'IA', postalPrefix: '503' }
    ]
  },
  {
    country: 'GB',
    currency: 'GBP',
    timeZone: 'Europe/London',
    cities: [
      { name: 'London', region: 'Greater London', postalPrefix: 'N' },
      { name: 'Manchester', region: 'Greater Manchester', postalPrefix: 'M' },
      { name: 'Leeds', region: 'West Yorkshire', postalPrefix: 'LS' },
      { name: 'Bristol', region: 'Bristol', postalPrefix: 'BS' },
      { name: 'Glasgow', region: 'Scotland', postalPrefix: 'G' },
      { name: 'Edinburgh', region: 'Scotland', postalPrefix: 'EH' }
    ]
  },
  {
    country: 'DE',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    cities: [
      { name: 'Berlin', region: 'Berlin', postalPrefix: '10' },
      { name: 'Hamburg', region: 'Hamburg', postalPrefix: '20' },
      { name: 'Leipzig', region: 'Sachsen', postalPrefix: '04' },
      { name: 'Köln', region: 'Nordrhein-Westfalen', postalPrefix: '50' }
    ]
  }
]

export const STREETS = [
  'Maple', 'Oak', 'Harbour', 'Mill', 'Church', 'Station', 'Victoria', 'Park', 'River', 'Elm',
  'Willow', 'Chapel', 'King', 'Queen', 'Bridge', 'Market', 'Orchard', 'Cedar', 'Hill', 'Lake',
  'Forest', 'Spring', 'Union', 'Garden', 'Highland', 'Meadow', 'Ash', 'Birch', 'Granite', 'Canal'
] as const

export const STREET_KINDS = ['Street', 'Road', 'Avenue', 'Lane', 'Way', 'Place', 'Court', 'Terrace'] as const

export const BUILDING_KINDS = ['House', 'Court', 'Apartments', 'Lofts', 'Residences', 'Mansions', 'Gardens', 'Point', 'Yard', 'Works'] as const

export const AGENCY_WORDS = [
  'Northgate', 'Harbourside', 'Keystone', 'Bluebell', 'Riverside', 'Lantern', 'Copperfield', 'Ashford',
  'Meridian', 'Juniper', 'Foxglove', 'Beacon', 'Hollybrook', 'Sterling', 'Greenway', 'Waverley'
] as const

export const AGENCY_KINDS = ['Lettings', 'Property Management', 'Estates', 'Homes', 'Realty', 'Residential'] as const

export const FIRST_NAMES = [
  'Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kemi', 'Liam',
  'Maya', 'Noor', 'Oscar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wen', 'Yusuf', 'Zoe'
] as const

export const LAST_NAMES = [
  'Adams', 'Bauer', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen', 'Khan',
  'Lopez', 'Murphy', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Schmidt', 'Tanaka', 'Walsh', 'Young'
] as const
